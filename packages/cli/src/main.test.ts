import assert from 'node:assert/strict';
import { buildProgram, commandWord } from './main.js';

describe('the command registry (start-up loads only the command that runs)', () => {
  it('finds the command word after the root options and their values', () => {
    assert.equal(commandWord(['auth', 'exec', '-i', 'x']), 'auth');
    assert.equal(commandWord(['-C', 'plan', 'plan', 'dev']), 'plan');
    assert.equal(commandWord(['--config', 'auth', '--debug', 'list']), 'list');
    assert.equal(commandWord(['--chdir=dir', '-cfile', 'describe']), 'describe');
    assert.equal(commandWord(['--version']), undefined);
    assert.equal(commandWord(['--', 'auth']), undefined);
    assert.equal(commandWord([]), undefined);
  });

  it('registers every command when asked for it by name, as the full program has it', async () => {
    const all = await buildProgram(() => {});
    const names = all.commands.map((command) => command.name());
    assert.ok(names.length >= 10, `commands: ${names.join(', ')}`);
    for (const command of all.commands) {
      const one = await buildProgram(() => {}, ['--debug', command.name(), '--help']);
      const same = one.commands.find((c) => c.name() === command.name());
      assert.ok(same, `tfwrap ${command.name()} is registered when the command line names it`);
      assert.equal(same.helpInformation(), command.helpInformation(), `tfwrap ${command.name()} --help is the same`);
    }
  });

  it('registers no command for --version, and every command for a word that names none', async () => {
    assert.equal((await buildProgram(() => {}, ['--version'])).commands.length, 0);
    const all = (await buildProgram(() => {})).commands.length;
    assert.equal((await buildProgram(() => {}, ['auht'])).commands.length, all);
    assert.equal((await buildProgram(() => {}, ['--help'])).commands.length, all);
  });
});
