import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads hours, minutes, seconds, combinations and bare seconds', () => {
    assert.equal(parseDuration('1h'), 3600);
    assert.equal(parseDuration('15m'), 900);
    assert.equal(parseDuration('900s'), 900);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('900'), 900);
    assert.equal(parseDuration(120), 120);
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', '1d', 'h', '1.5h', '-1', 'one hour', '1h 30m']) assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(parseDuration(-5), undefined);
  });
  it('formats back', () => {
    assert.equal(formatDuration(3600), '1h');
    assert.equal(formatDuration(5400), '1h30m');
    assert.equal(formatDuration(90), '1m30s');
    assert.equal(formatDuration(0), '0s');
  });
});
