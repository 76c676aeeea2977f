// How !include reads a file by its extension, rule by rule against Atmos: pkg/filetype/
// filetype_by_extension.go (GetFileExtension) and pkg/filetype/filetype.go (parseDotenv:
// github.com/joho/godotenv v1.5.1 Parse; parseHCL). Each expected value is what Atmos gives.
import assert from 'node:assert/strict';
import { IncludeParseError, fileExtension, includeFormat, parseDotenv, parseHcl } from './include-parsers.js';

describe('include parsers (Atmos pkg/filetype)', () => {
  it('loading the HCL parser leaves no Go runtime globals behind (another Go program in the process brings its own)', () => {
    const names = ['Go', 'fs', 'path', '__parse_terraform_config_wasm__'];
    const before = names.map((name) => Object.getOwnPropertyDescriptor(globalThis, name));
    assert.deepEqual(parseHcl('a = 1\n', 'x.tfvars'), { a: 1 });
    assert.deepEqual(names.map((name) => Object.getOwnPropertyDescriptor(globalThis, name)), before);
    assert.deepEqual(parseHcl('b = "two"\n', 'y.tfvars'), { b: 'two' }, 'the parser still answers after the globals are put back');
  });

  it('GetFileExtension: lower-cased last extension; .env.* is .env; a bare known extension is itself, a hidden file has none (filetype_by_extension.go)', () => {
    const cases: Record<string, string> = {
      'dev.tfvars': '.tfvars', 'MAIN.TF': '.tf', 'a.b.hcl': '.hcl', 'app.env': '.env', '.env': '.env', '.ENV': '.env',
      '.env.local': '.env', '.env.production.json': '.env', 'prod.env.local': '.local', '.gitignore': '', 'file.': '',
      Makefile: '', '.json': '.json',
    };
    for (const [name, ext] of Object.entries(cases)) assert.equal(fileExtension(name), ext, name);
    assert.equal(includeFormat('/x/y/dev.tfvars'), 'hcl');
    assert.equal(includeFormat('/x/.env.local'), 'dotenv');
    assert.equal(includeFormat('/x/notes.md'), 'text');
  });

  describe('dotenv as godotenv v1.5.1 Parse (pkg/filetype/filetype.go parseDotenv)', () => {
    it('names, `export `, `=` or `:`, blanks around, comments, empty values', () => {
      assert.deepEqual(parseDotenv([
        '# a comment',
        '',
        'PLAIN=value',
        '  export EXPORTED=1',
        'COLON: yes',
        'SPACED = around  ',
        'EMPTY=',
        'dotted.name_1=x',
        '   # indented comment',
        'LAST=end',
      ].join('\n')), { PLAIN: 'value', EXPORTED: '1', COLON: 'yes', SPACED: 'around', EMPTY: '', 'dotted.name_1': 'x', LAST: 'end' });
    });

    it('an unquoted value is cut at its last `#` after a blank (not its first, as the npm dotenv package does)', () => {
      assert.deepEqual(parseDotenv('A=bar # baz # other\nB=x#y\nC=#z\nD=1 #c\n'), { A: 'bar # baz', B: 'x#y', C: '#z', D: '1' });
    });

    it('single quotes keep the text; double quotes turn \\n and \\r into line breaks, drop other backslashes, and may span lines', () => {
      assert.deepEqual(parseDotenv(String.raw`S='a\nb $X'` + '\n' + String.raw`D="a\nb\"c\\d"` + '\n' + 'M="line1\nline2"\nT="x" # comment\n'), {
        S: String.raw`a\nb $X`, D: 'a\nb"c\\d', M: 'line1\nline2', T: 'x',
      });
      // v1.5.1 trims every quote at either end of the text between the quotes.
      assert.deepEqual(parseDotenv(String.raw`Q="ends\""`), { Q: 'ends\\' });
      // Backquotes are no quotes to godotenv.
      assert.deepEqual(parseDotenv('B=`tick`'), { B: '`tick`' });
    });

    it('$NAME and ${NAME} in unquoted and double-quoted values expand from the variables above in the file only; \\$ and lower-case names stay', () => {
      process.env.TFWRAP_DOTENV_OUTSIDE = 'from-env';
      try {
        assert.deepEqual(parseDotenv([
          'HOST=example.com',
          'URL=https://${HOST}/$HOST',
          'QUOTED="${HOST}:443"',
          "SINGLE='${HOST}'",
          'ESCAPED=\\$HOST',
          'LOWER=${host}',
          'LATER=${AFTER}',
          'OUTSIDE=$TFWRAP_DOTENV_OUTSIDE',
          'AFTER=1',
        ].join('\n')), {
          HOST: 'example.com', URL: 'https://example.com/example.com', QUOTED: 'example.com:443', SINGLE: '${HOST}', ESCAPED: '$HOST',
          LOWER: '${host}', LATER: '', OUTSIDE: '', AFTER: '1',
        });
      } finally {
        delete process.env.TFWRAP_DOTENV_OUTSIDE;
      }
    });

    it('CRLF line ends; a later line wins; a line without = or an open quote is an error naming the line', () => {
      assert.deepEqual(parseDotenv('A=1\r\nB="2"\r\nA=3\r\n'), { A: '3', B: '2' });
      assert.throws(() => parseDotenv('A=1\nnot-a-name=2\n'), (err: unknown) => err instanceof IncludeParseError && err.message === 'line 2: unexpected character "-" in variable name');
      assert.throws(() => parseDotenv('A=1\n\nB="open\n'), (err: unknown) => err instanceof IncludeParseError && err.message === 'line 3: unterminated quoted value "open');
      // A name with no value at the end of the file is the value of the name "".
      assert.deepEqual(parseDotenv('A=1\nLONELY'), { A: '1', '': 'LONELY' });
    });
  });

  describe('HCL as parseHCL: attributes evaluated with no context, then ctyToGo (pkg/filetype/filetype.go)', () => {
    it('strings, bools, lists, maps, heredocs; every number an int64; null as {}; $${ is a literal ${', () => {
      assert.deepEqual(parseHcl([
        'name = "app"', 'on = false', 'ids = [1, "two", [3]]', 'nested = { a = { "b-c" = 2.9 }, n = null }', 'neg = -1.5',
        'big = 12345678901234567890', 'empty = []', 'esc = "a$${b}c %%{d} $$${e}"', 'text = <<EOT', '  kept', 'EOT', 'joined = "x${1}"', '',
      ].join('\n'), 'f.hcl'), {
        name: 'app', on: false, ids: [1, 'two', [3]], nested: { a: { 'b-c': 2 }, n: {} }, neg: -1, big: 2 ** 63, empty: [],
        esc: 'a${b}c %{d} $${e}', text: '  kept\n', joined: 'x1',
      });
      assert.deepEqual(parseHcl('', 'empty.hcl'), {});
    });

    it('an attribute holding a list of maps is no block', () => {
      assert.deepEqual(parseHcl('rules = [\n  { port = 80 },\n]\nlocals = { a = 1 }\n', 'f.tfvars'), { rules: [{ port: 80 }], locals: { a: 1 } });
    });

    it('a block, an expression, a function call are errors', () => {
      assert.throws(() => parseHcl('a = 1\n\nlocals {\n  b = 2\n}\n', 'f.tf'), /^IncludeParseError: line 3 \(locals \{\) is a block/);
      assert.throws(() => parseHcl('a = upper("x")\n', 'f.tf'), (err: unknown) => err instanceof IncludeParseError && err.unsupported && /the value of a is an expression \(\$\{upper\("x"\)\}\)/.test(err.message));
      assert.throws(() => parseHcl('m = { k = "v-${var.x}" }\n', 'f.tf'), /the value of m\.k is an expression \(v-\$\{var\.x\}\)/);
      assert.throws(() => parseHcl('a = 1\na = 2\n', 'f.tf'), /^IncludeParseError: f\.tf:2,1-2: Attribute redefined/);
    });
  });
});
