// Expected outputs are what Go's text/template produces for the same template and data (cases
// modelled on the tables of Go's exec_test.go / parse_test.go, re-expressed over map data, which
// is what YAML-decoded Atmos manifests give Go).
import assert from 'node:assert/strict';
import { parse, render, TemplateError, type MissingKey } from './index.js';

const data = {
  x: 'x',
  i: 17,
  f: 1.5,
  t: true,
  fa: false,
  s: 'hello',
  empty: '',
  zero: 0,
  nil: null,
  si: [3, 4, 5],
  siEmpty: [],
  ss: ['a', 'b'],
  msi: { one: 1, two: 2, three: 3 },
  msiOne: { one: 1 },
  msiEmpty: {},
  u: { v: 'v', w: { deep: 'deep' } },
  vars: { stage: 'dev', tenant: 'plat', environment: 'ue1', namespace: 'acme', enabled: true },
};

type Case = [name: string, template: string, want: string];

function check(cases: Case[], options: { missingKey?: MissingKey; sprig?: boolean } = {}) {
  for (const [name, template, want] of cases) {
    it(`${name}: ${JSON.stringify(template)} -> ${JSON.stringify(want)}`, () => {
      assert.equal(render(template, data, { name: 't', ...options }), want);
    });
  }
}

function failing(cases: Array<[name: string, template: string, message: string]>, options: { missingKey?: MissingKey; sprig?: boolean } = {}) {
  for (const [name, template, message] of cases) {
    it(`${name}: ${JSON.stringify(template)} fails with ${JSON.stringify(message)}`, () => {
      assert.throws(
        () => render(template, data, { name: 't', ...options }),
        (e: unknown) => {
          assert.ok(e instanceof TemplateError, `not a TemplateError: ${String(e)}`);
          assert.equal(e.message, message);
          return true;
        },
      );
    });
  }
}

describe('gotemplate: text, fields, literals', () => {
  check([
    ['empty', '', ''],
    ['text', 'some text', 'some text'],
    ['dot string', '{{.}}', 'map[empty: f:1.5 fa:false i:17 msi:map[one:1 three:3 two:2] msiEmpty:map[] msiOne:map[one:1] nil:<nil> s:hello si:[3 4 5] siEmpty:[] ss:[a b] t:true u:map[v:v w:map[deep:deep]] vars:map[enabled:true environment:ue1 namespace:acme stage:dev tenant:plat] x:x zero:0]'],
    ['field', '{{.x}}', 'x'],
    ['nested field', '{{.u.w.deep}}', 'deep'],
    ['atmos-style field', '{{ .vars.stage }}-tfstate', 'dev-tfstate'],
    ['int field', '{{.i}}', '17'],
    ['float field', '{{.f}}', '1.5'],
    ['nil field prints no value', '{{.nil}}', '<no value>'],
    ['list field', '{{.si}}', '[3 4 5]'],
    ['map field', '{{.msi}}', 'map[one:1 three:3 two:2]'],
    ['$', '{{$.x}}', 'x'],
    ['bools', '{{true}} {{false}}', 'true false'],
    ['ints', '{{ 123 }} {{ -3 }} {{ +7 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}', '123 -3 7 31 15 15 5 1000'],
    ['char', "{{ 'a' }} {{ '\\n' }}", '97 10'],
    ['floats', '{{ 1.5 }} {{ 1e3 }} {{ .5 }}', '1.5 1000 0.5'],
    ['string escapes', '{{ "a\\tb\\u00e9\\x41\\101" }}', 'a\tbéAA'],
    ['raw string', '{{ `a\\tb` }}', 'a\\tb'],
    ['parens: $ in paren', '{{($).x}}', 'x'],
    ['parens: chain on pipeline', '{{(.u).w.deep}}', 'deep'],
    ['multiline action', '{{\n.x\n}}', 'x'],
    ['prototype names are ordinary missing keys', '{{ .constructor }} {{ .toString }} {{ .__proto__ }}', '<no value> <no value> <no value>'],
  ]);
});

describe('gotemplate: whitespace trimming and comments', () => {
  check([
    ['trim left', 'x \r\n\t{{- 3}}', 'x3'],
    ['trim right', '{{3 -}}\n\n\ty', '3y'],
    ['trim left and right', 'x \r\n\t{{- 3 -}}\n\n\ty', 'x3y'],
    ['trim with extra spaces', 'x\n{{-  3   -}}\ny', 'x3y'],
    ['trim markers need a space', '{{-3}}', '-3'],
    ['comment', 'a{{/* hi */}}b', 'ab'],
    ['comment trim left', 'x \r\n\t{{- /* hi */}}', 'x'],
    ['comment trim right', '{{/* hi */ -}}\n\n\ty', 'y'],
    ['comment trim left and right', 'x \r\n\t{{- /* */ -}}\n\n\ty', 'xy'],
    ['yaml block keeps indentation', 'vars:\n  {{- range .ss }}\n  - {{ . }}\n  {{- end }}\n', 'vars:\n  - a\n  - b\n'],
  ]);
});

describe('gotemplate: pipelines, functions, variables', () => {
  check([
    ['pipeline', '{{ .x | printf "%s-%s" "y" }}', 'y-x'],
    ['pipeline of functions', '{{ "abc" | printf "%q" | printf "%s!" }}', '"abc"!'],
    ['parens in pipeline', '{{printf `%d %d` (1) (len (print 12))}}', '1 2'],
    ['declare', '{{$x := .u.v}}{{$x}}', 'v'],
    ['declaration prints nothing', 'a{{$x := 1}}b', 'ab'],
    ['simple assignment', '{{$x := 2}}{{$x = 3}}{{$x}}', '3'],
    ['nested assignment', '{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}', '3'],
    ['nested assignment changes the last declaration', '{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}', '1'],
    ['variable field', '{{$u := .u}}{{$u.w.deep}}', 'deep'],
    ['$ inside with', '{{with .u}}{{$.x}}{{.v}}{{end}}', 'xv'],
    ['not', '{{not true}} {{not false}} {{not .empty}}', 'false true true'],
    ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1'],
    ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1'],
    ['or short-circuits', '{{or 0 1 (fail "not reached")}}', '1'],
    ['and short-circuits', '{{and 1 0 (fail "not reached")}}', '0'],
    ['and pipe-true', '{{1 | and 1}}', '1'],
    ['and pipe-false', '{{0 | and 1}}', '0'],
    ['or undef', '{{or 0 .unknown}}', '<no value>'],
    ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE'],
    ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
    ['eq', '{{eq 1 2}} {{eq `xy` `xy`}} {{eq .x "x"}} {{eq 1 3 2 1}}', 'false true true true'],
    ['eq nil', '{{eq .nil nil}} {{eq .unknown "x"}}', 'true false'],
    ['ne lt le gt ge', '{{ne 1 2}} {{lt 1.5 2.5}} {{lt `xy` `xyz`}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}}', 'true true true true true false'],
    ['len', '{{len .si}} {{len .msi}} {{len "héllo"}}', '3 3 6'],
    ['index', '{{index .si 1}} {{index .msi `two`}} {{index .u "w" "deep"}}', '4 2 deep'],
    ['index of missing map key', '{{index .msi `XXX`}}', '<no value>'],
    ['print', '{{print 1 2 "a" 3 4}}', '1 2a3 4'],
    ['print nil', '{{print .nil}} {{print .unknown}}', '<nil> <nil>'],
    ['println', '{{println 1 "a"}}', '1 a\n'],
    ['html', '{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;'],
    ['html pipeline', '{{printf "<b>\'%s\'</b>" "&" | html}}', '&lt;b&gt;&#39;&amp;&#39;&lt;/b&gt;'],
    ['html untyped nil', '{{html .unknown}}', '&lt;no value&gt;'],
    ['js', '{{js "It\'d be <nice>=&"}}', 'It\\\'d be \\u003Cnice\\u003E\\u003D\\u0026'],
    ['urlquery', '{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F'],
  ]);
  it('calls functions stored in the data as methods, and `call` calls function values', () => {
    const d = { obj: { greet: (who: string) => `hi ${who}` }, fn: (a: number, b: number) => a + b };
    assert.equal(render('{{ .obj.greet "you" }} {{ call .fn 1 2 }}', d), 'hi you 3');
  });
  it('registers extra functions, including namespaces such as atmos.Component', () => {
    const atmos = { Component: (component: string, stack: string) => ({ outputs: { vpc_id: `${component}@${stack}` } }) };
    const t = parse('t', '{{ (atmos.Component "vpc" .stack).outputs.vpc_id }} {{ shout "x" }}', {
      funcs: { atmos: () => atmos, shout: { params: ['string'], fn: (s: string) => s.toUpperCase() + '!' } },
    });
    assert.equal(t.execute({ stack: 'dev' }), 'vpc@dev X!');
  });
  it('lets registered functions override builtins and Sprig (as Go FuncMap does)', () => {
    assert.equal(render('{{ upper "a" }} {{ len "abc" }}', {}, { funcs: { upper: () => 'mine', len: () => 42 } }), 'mine 42');
  });
  it('uses custom delimiters', () => {
    assert.equal(render('[[ .x ]] {{ .x }} [[- " y" ]]', { x: 1 }, { delims: ['[[', ']]'] }), '1 {{ .x }} y');
  });
});

describe('gotemplate: if / with / range', () => {
  check([
    ['if true', '{{if true}}TRUE{{end}}', 'TRUE'],
    ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
    ['if empty string', '{{if .empty}}T{{else}}F{{end}}', 'F'],
    ['if empty list/map', '{{if .siEmpty}}T{{else}}F{{end}}{{if .msiEmpty}}T{{else}}F{{end}}', 'FF'],
    ['if nil / missing', '{{if .nil}}T{{else}}F{{end}}{{if .unknown}}T{{else}}F{{end}}', 'FF'],
    ['if zero', '{{if .zero}}T{{else}}F{{end}}{{if 0.0}}T{{else}}F{{end}}', 'FF'],
    ['if else if', '{{if .fa}}FALSE{{else if .t}}TRUE{{end}}', 'TRUE'],
    ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3'],
    ['if with variable', '{{if $v := .u.v}}{{$v}}{{end}}', 'v'],
    ['with', '{{with .u}}{{.v}}{{end}}', 'v'],
    ['with empty string', '{{with ``}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY'],
    ['with missing', '{{with .unknown}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY'],
    ['with $x', '{{with $x := .i}}{{$x}}{{end}}', '17'],
    ['with else with', '{{with 0}}{{.}}{{else with true}}{{.}}{{end}}', 'true'],
    ['with else with chain', '{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}', 'notempty'],
    ['range list', '{{range .si}}-{{.}}-{{end}}', '-3--4--5-'],
    ['range empty no else', '{{range .siEmpty}}-{{.}}-{{end}}', ''],
    ['range list else', '{{range .si}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-'],
    ['range empty else', '{{range .siEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
    ['range missing else', '{{range .unknown}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
    ['range nil else', '{{range .nil}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
    ['range break', '{{range .si}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}', '-3-'],
    ['range continue', '{{range .si}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}', '-3--4--5-'],
    ['range conditional break', '{{range .si}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', '3'],
    ['range map in key order', '{{range .msi}}-{{.}}-{{end}}', '-1--3--2-'],
    ['range map $k $v', '{{range $k, $v := .msi}}<{{$k}}={{$v}}>{{end}}', '<one=1><three=3><two=2>'],
    ['range $x map', '{{range $x := .msiOne}}<{{$x}}>{{end}}', '<1>'],
    ['range $i $v list', '{{range $i, $v := .ss}}{{$i}}:{{$v}} {{end}}', '0:a 1:b '],
    ['range $ and dot', '{{range .ss}}{{$.x}}{{.}}{{end}}', 'xaxb'],
    ['range int', '{{range 4}}{{.}}{{end}}', '0123'],
    ['range $i int', '{{range $i := 3}}[{{$i}}]{{end}}', '[0][1][2]'],
    ['range zero int else', '{{range 0}}x{{else}}none{{end}}', 'none'],
    ['range variables are scoped', '{{$v := "outer"}}{{range $v := .ss}}{{end}}{{$v}}', 'outer'],
    ['range assignment form', '{{$i := 0}}{{$v := ""}}{{range $i, $v = .ss}}{{end}}{{$i}}{{$v}}', '1b'],
  ]);
});

describe('gotemplate: define / template / block', () => {
  check([
    ['template', '{{define "t1"}}[{{.}}]{{end}}{{template "t1" .x}}', '[x]'],
    ['template without pipeline has nil dot', '{{define "t1"}}[{{.}}]{{end}}{{template "t1"}}', '[<no value>]'],
    ['template gets its own $', '{{define "t1"}}{{$.v}}{{end}}{{template "t1" .u}}', 'v'],
    ['block', '{{block "b" .u}}({{.v}}){{end}}', '(v)'],
    ['recursive template', '{{define "r"}}{{if .}}{{index . 0}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .si}}', '345'],
  ], { sprig: false });
  it('executes an associated template by name', () => {
    const t = parse('main', '{{define "sub"}}sub {{.}}{{end}}main');
    assert.deepEqual(t.templateNames.sort(), ['main', 'sub']);
    assert.equal(t.executeTemplate('sub', 1), 'sub 1');
    assert.equal(t.execute(1), 'main');
  });
  it('stops runaway recursion with an error, not a stack overflow', () => {
    assert.throws(() => render('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', 1, { name: 't' }), /exceeded maximum template depth \(1000\)/);
  });
  it('stops output made to explode (16 Mi characters by default, nested templates counted) with an error, not exhausted memory', () => {
    const loops = '{{range .}}{{range $}}{{range $}}x{{end}}{{end}}{{end}}';
    const items = Array.from({ length: 300 }, (_, i) => i);
    assert.throws(() => render(loops, items, { name: 't' }), /executing "t" at <"x">: output larger than 16777216 characters/);
    assert.throws(() => parse('t', '{{define "x"}}{{range .}}xx{{end}}{{end}}{{template "x" .}}{{template "x" .}}').execute(items, { maxOutput: 1000 }), /output larger than 1000 characters/);
    assert.equal(parse('t', '{{range .}}x{{end}}').execute(items, { maxOutput: 300 }), 'x'.repeat(300));
  });
});

describe('gotemplate: printf verbs', () => {
  check([
    ['%s %d %v', '{{printf "%s %d %v" "a" 42 .si}}', 'a 42 [3 4 5]'],
    ['%04x', '{{printf "%04x" 127}}', '007f'],
    ['%g', '{{printf "%g" 3.5}}', '3.5'],
    ['%05.2f', '{{printf "%05.2f" 3.14159}}', '03.14'],
    ['%6.2f%%', '{{printf "%6.2f%%" 12.3456}}', ' 12.35%'],
    ['%f %e %E', '{{printf "%f %e %E" 1.5 1234.5678 0.00012}}', '1.500000 1.234568e+03 1.200000E-04'],
    ['%q', '{{printf "%q %q" "hi\\n" .ss}}', '"hi\\n" ["a" "b"]'],
    ['%t', '{{printf "%t %t" true .fa}}', 'true false'],
    ['%x %X %o %b %c %U', '{{printf "%x %X %o %b %c %U" 255 "hi" 8 5 65 65}}', 'ff 6869 10 101 A U+0041'],
    ['%#x %#o %+d % d', '{{printf "%#x %#o %+d % d" 255 8 5 5}}', '0xff 010 +5  5'],
    ['widths', '{{printf "[%5s][%-5s][%.2s][%5d][%-5d][%05d]" "ab" "ab" "xyz" 42 42 -42}}', '[   ab][ab   ][xy][   42][42   ][-0042]'],
    ['star width', '{{printf "[%*d]" 4 7}}', '[   7]'],
    ['%T', '{{printf "%T %T %T %T %T" 1 1.5 "a" .si .msi}}', 'int float64 string []interface {} map[string]interface {}'],
    ['%v of map and nil', '{{printf "%v %v" .msiOne nil}}', 'map[one:1] <nil>'],
    ['%% literal', '{{printf "100%%"}}', '100%'],
    ['explicit index', '{{printf "%[2]s %[1]s" "a" "b"}}', 'b a'],
    ['bad verb', '{{printf "%d" "x"}}', '%!d(string=x)'],
    ['missing arg', '{{printf "%s %s" "x"}}', 'x %!s(MISSING)'],
    ['extra arg', '{{printf "%s" "x" 1}}', 'x%!(EXTRA int=1)'],
    ['nil under %s', '{{printf "%s" nil}}', '%!s(<nil>)'],
    ['float %v shortest with exponent', '{{printf "%v %v" 1234567.5 0.00001}}', '1.2345675e+06 1e-05'],
  ]);
});

describe('gotemplate: missing keys (Option missingkey=...)', () => {
  const d = { x: 99, m: { a: 1 } };
  const run = (t: string, missingKey?: MissingKey) => parse('t1', t).execute(d, missingKey ? { missingKey } : {});
  it('default: a missing key prints <no value>', () => {
    assert.equal(run('{{.x}} {{.y}}'), '99 <no value>');
    assert.equal(run('{{.x}} {{.y}}', 'default'), '99 <no value>');
    assert.equal(run('{{.x}} {{.y}}', 'invalid'), '99 <no value>');
  });
  it('default: a field of a missing key is <no value> too, and a function sees nil', () => {
    assert.equal(run('{{.y.z}} {{.y | default "d"}} {{print .y}}'), '<no value> d <nil>');
  });
  it('zero: the zero of interface{} is nil, so map[string]any still prints <no value> (Go issue 24963)', () => {
    assert.equal(run('{{.x}} {{.y}}', 'zero'), '99 <no value>');
  });
  it('zero: but a field of that nil fails', () => {
    assert.throws(() => run('{{.y.z}}', 'zero'), { message: 'template: t1:1:4: executing "t1" at <.y.z>: nil pointer evaluating interface {}.z' });
  });
  it('error: a missing key fails with the template name, line, column and node', () => {
    assert.throws(() => run('{{.x}}\n  {{.m.b}}', 'error'), {
      message: 'template: t1:2:6: executing "t1" at <.m.b>: map has no entry for key "b"',
    });
  });
  it('error: nil data', () => {
    assert.throws(() => parse('t1', '{{.x}}').execute(undefined, { missingKey: 'error' }), {
      message: 'template: t1:1:2: executing "t1" at <.x>: nil data; no entry for key "x"',
    });
  });
  it('the option can be set at parse time', () => {
    assert.throws(() => parse('t1', '{{.y}}', { missingKey: 'error' }).execute(d), /map has no entry for key "y"/);
  });
});

describe('gotemplate: execution errors (Go wording and positions)', () => {
  failing([
    ['field of a string', 'a\n  {{ .x.y }}', 'template: t:2:7: executing "t" at <.x.y>: can\'t evaluate field y in type string'],
    ['field of nil', '{{ .nil.y }}', 'template: t:1:7: executing "t" at <.nil.y>: nil pointer evaluating interface {}.y'],
    ['index out of range', '{{ index .si 5 }}', 'template: t:1:3: executing "t" at <index .si 5>: error calling index: index out of range: 5'],
    ['index of nil', '{{ index nil 1 }}', 'template: t:1:3: executing "t" at <index nil 1>: error calling index: index of untyped nil'],
    ['len of int', '{{ len 3 }}', 'template: t:1:3: executing "t" at <len 3>: error calling len: len of type int'],
    ['wrong arg count', '{{ printf }}', 'template: t:1:3: executing "t" at <printf>: wrong number of args for printf: want at least 1 got 0'],
    ['wrong arg count fixed', '{{ ne 1 }}', 'template: t:1:3: executing "t" at <ne>: wrong number of args for ne: want 2 got 1'],
    ['arg must be a string', '{{ printf 3 }}', 'template: t:1:10: executing "t" at <3>: expected string; found 3'],
    ['value of the wrong type', '{{ printf .i }}', 'template: t:1:10: executing "t" at <.i>: wrong type for value; expected string; got int'],
    ['incompatible comparison', '{{ eq "x" 1 }}', 'template: t:1:3: executing "t" at <eq "x" 1>: error calling eq: incompatible types for comparison'],
    ['invalid comparison', '{{ lt true false }}', 'template: t:1:3: executing "t" at <lt true false>: error calling lt: invalid type for comparison'],
    ['non-function with args', '{{ 3 4 }}', 'template: t:1:3: executing "t" at <3>: can\'t give argument to non-function 3'],
    ['nil is not a command', '{{ nil }}', 'template: t:1:3: executing "t" at <nil>: nil is not a command'],
    ['field is not a method', '{{ .u.v 1 }}', 'template: t:1:5: executing "t" at <.u.v>: v is not a method but has arguments'],
    ['range over a string', '{{ range .x }}{{ end }}', 'template: t:1:9: executing "t" at <.x>: range can\'t iterate over x'],
    ['range int with two variables', '{{ range $i, $v := 3 }}{{ end }}', 'template: t:1:19: executing "t" at <3>: can\'t use 3 to iterate over more than one variable'],
    ['undefined template', '{{ template "nope" }}', 'template: t:1:12: executing "t" at <{{template "nope"}}>: template "nope" not defined'],
    ['error inside a defined template names it', '{{define "sub"}}{{ .x.y }}{{end}}{{ template "sub" . }}', 'template: t:1:21: executing "sub" at <.x.y>: can\'t evaluate field y in type string'],
  ], { sprig: false });
});

describe('gotemplate: hostile input', () => {
  it('deeply nested parentheses stop at Go\'s expression depth limit', () => {
    const text = (n: number) => '{{ ' + '('.repeat(n) + '1' + ')'.repeat(n) + ' }}';
    assert.equal(parse('t', text(999)).execute({}), '1');
    assert.throws(() => parse('t', text(5000)), { message: 'template: t:1: max expression depth exceeded' });
  });
  it('cyclic data is a TemplateError when printed', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => render('{{ . }}', cyclic), (e: unknown) => e instanceof TemplateError && /nesting too deep/.test(e.message));
  });
  it('an output too large for a string is an execution error', () => {
    assert.throws(() => render('{{ repeat 2000000000 "xx" }}', {}, { name: 't' }), /error calling repeat/);
  });
});

describe('gotemplate: parse errors (Go wording and line)', () => {
  failing([
    ['unclosed action', 'line1\n{{', 'template: t:2: unclosed action'],
    ['unclosed action over lines', 'line1\n{{"x"\n"y"\n', 'template: t:4: unclosed action started at t:2'],
    ['unmatched end', '{{end}}', 'template: t:1: unexpected {{end}}'],
    ['unmatched else', '{{else}}', 'template: t:1: unexpected {{else}}'],
    ['missing end', '{{if .x}}a', 'template: t:1: unexpected EOF'],
    ['extra end after else if', '{{if .X}}a{{else if .Y}}b{{end}}{{end}}', 'template: t:1: unexpected {{end}}'],
    ['unclosed quote', '{{"x}}', 'template: t:1: unterminated quoted string'],
    ['unclosed raw quote', '{{`x}}', 'template: t:1: unterminated raw quoted string'],
    ['bad number', '{{3k}}', 'template: t:1: bad number syntax: "3k"'],
    ['undefined variable', '{{$x}}', 'template: t:1: undefined variable "$x"'],
    ['variable undefined after end', '{{with $x := 4}}{{end}}{{$x}}', 'template: t:1: undefined variable "$x"'],
    ['undefined function', '{{ nope 1 }}', 'template: t:1: function "nope" not defined'],
    ['empty if', '{{if}}{{end}}', 'template: t:1: missing value for if'],
    ['empty parens', '{{printf "%d" ( ) }}', 'template: t:1: missing value for parenthesized pipeline'],
    ['invalid punctuation', '{{printf 3, 4}}', 'template: t:1: unexpected "," in operand'],
    ['multidecl outside range', '{{with $v, $u := 3}}{{end}}', 'template: t:1: too many declarations in with'],
    ['too many decls in range', '{{range $u, $v, $w := 3}}{{end}}', 'template: t:1: too many declarations in range'],
    ['non-executable pipeline stage', '{{ "x" | 3 }}', 'template: t:1: non executable command in pipeline stage 2'],
    ['dot after a literal', '{{ "x".y }}', 'template: t:1: unexpected . after term "\\"x\\""'],
    ['unclosed left paren', '{{ (print 1 }}', 'template: t:1: unclosed left paren'],
    ['unexpected right paren', '{{ print 1) }}', 'template: t:1: unexpected right paren'],
    ['break outside range', '{{range .}}{{end}} {{break}}', 'template: t:1: {{break}} outside {{range}}'],
    ['break in range else', '{{range .}}{{else}}{{break}}{{end}}', 'template: t:1: {{break}} outside {{range}}'],
    ['unclosed comment', 'a{{/* x', 'template: t:1: unclosed comment'],
    ['comment text after */', '{{/* x */ y}}', 'template: t:1: comment ends before closing delimiter'],
    ['trim marker without space is a bad character', '{{.x-}}', 'template: t:1: bad character U+002D \'-\''],
    ['multiple definition', '{{define "a"}}1{{end}}{{define "a"}}2{{end}}', 'template: t:1: template: multiple definition of template "a"'],
    ['define inside an action', '{{if true}}{{define "a"}}{{end}}{{end}}', 'template: t:1: unexpected <define> in command'],
    ['bad string escape', '{{ "\\q" }}', 'template: t:1: invalid syntax'],
    ['error line counts newlines', 'a\nb\n{{ nope }}', 'template: t:3: function "nope" not defined'],
  ]);
});
