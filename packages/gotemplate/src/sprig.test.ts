// Expected outputs are Sprig's documented results (masterminds.github.io/sprig) and what
// Go + Sprig print for them through text/template.
import assert from 'node:assert/strict';
import { render } from './index.js';

const data = {
  list: [1, 2, 3],
  strs: ['b', 'a', 'c'],
  dict: { name1: 'value1', name2: 'value2', name3: 'value 3' },
  nested: { user: { role: { humanName: 'admin' } } },
  html: '<b>&',
  empty: '',
};

function check(cases: Array<[template: string, want: string]>, env?: Record<string, string>) {
  for (const [template, want] of cases) {
    it(`${JSON.stringify(template)} -> ${JSON.stringify(want)}`, () => {
      assert.equal(render(template, data, env ? { env } : {}), want);
    });
  }
}

describe('gotemplate sprig: strings', () => {
  check([
    ['{{ trim "   hello    " }}', 'hello'],
    ['{{ trimAll "$" "$5.00" }}', '5.00'],
    ['{{ trimSuffix "-" "hello-" }} {{ trimPrefix "-" "-hello" }}', 'hello hello'],
    ['{{ upper "hello" }} {{ lower "HELLO" }} {{ title "hello world" }}', 'HELLO hello Hello World'],
    ['{{ repeat 3 "hello" }}', 'hellohellohello'],
    ['{{ substr 0 5 "hello world" }} {{ substr 6 -1 "hello world" }}', 'hello world'],
    ['{{ nospace "hello w o r l d" }}', 'helloworld'],
    ['{{ trunc 5 "hello world" }} {{ trunc -5 "hello world" }} {{ trunc 50 "hi" }}', 'hello world hi'],
    ['{{ contains "cat" "catch" }} {{ hasPrefix "cat" "catch" }} {{ hasSuffix "cat" "catch" }}', 'true true false'],
    ['{{ quote "hello" 1 }} {{ squote "hello" }}', '"hello" "1" \'hello\''],
    ['{{ cat "hello" "beautiful" "world" }} {{ cat "a" nil 1 }}', 'hello beautiful world a 1'],
    ['{{ indent 2 "a\\nb" }}|{{ nindent 2 "a" }}', '  a\n  b|\n  a'],
    ['{{ replace " " "-" "I Am Henry VIII" }}', 'I-Am-Henry-VIII'],
    ['{{ plural "one anchovy" "many anchovies" 2 }}', 'many anchovies'],
    ['{{ splitList "$" "foo$bar$baz" }}', '[foo bar baz]'],
    ['{{ $a := split "$" "foo$bar$baz" }}{{ $a._0 }} {{ $a._2 }}', 'foo baz'],
    ['{{ splitn "$" 2 "foo$bar$baz" }}', 'map[_0:foo _1:bar$baz]'],
    ['{{ join "-" .strs }} {{ list 1 "a" nil | join "," }}', 'b-a-c 1,a'],
    ['{{ sortAlpha .strs }}', '[a b c]'],
    ['{{ toString 5 }} {{ list 1 2 | toStrings }} {{ typeOf (toStrings (list 1)) }}', '5 [1 2] []interface {}'],
    ['{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }}', 'aGVsbG8= hello'],
    ['{{ sha256sum "Hello world!" }}', 'c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a'],
    ['{{ sha1sum "Hello world!" }}', 'd3486ae9136e7856bc42212385ea797094475802'],
  ]);
});

describe('gotemplate sprig: regular expressions', () => {
  check([
    ['{{ regexMatch "^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\\\.[A-Za-z]{2,}$" "test@acme.com" }}', 'true'],
    ['{{ regexFindAll "[2,4,6,8]" "123456789" -1 }} {{ regexFindAll "[2,4,6,8]" "123456789" 2 }}', '[2 4 6 8] [2 4]'],
    ['{{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}', 'd1'],
    ['{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', '-W-xxW-'],
    ['{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', '-${1}-${1}-'],
    ['{{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "a" "banana" 2 }}', '[pi a] [b nana]'],
    ['{{ regexMatch "(?i)^DEV" "dev-ue1" }}', 'true'],
    ['{{ regexReplaceAll "(?P<env>[a-z]+)-(?P<region>\\\\w+)" "prod-ue1" "${region}.${env}" }}', 'ue1.prod'],
  ]);
});

describe('gotemplate sprig: defaults, flow, conversion', () => {
  check([
    ['{{ default "foo" .missing }} {{ default "foo" "bar" }} {{ .empty | default "e" }} {{ default 3 0 }}', 'foo bar e 3'],
    ['{{ empty .missing }} {{ empty "" }} {{ empty 0 }} {{ empty (list) }} {{ empty (dict) }} {{ empty false }} {{ empty "x" }}', 'true true true true true true false'],
    ['{{ coalesce 0 1 2 }} {{ coalesce .missing "" "x" }}', '1 x'],
    ['{{ ternary "foo" "bar" true }} {{ false | ternary "foo" "bar" }}', 'foo bar'],
    ['{{ required "no" "here" }}', 'here'],
    ['{{ atoi "42" }} {{ atoi "x" }} {{ int "12" }} {{ int 3.9 }} {{ int64 "0x10" }} {{ float64 "1.5" }} {{ int "abc" }}', '42 0 12 3 16 1.5 0'],
    ['{{ typeOf 1 }} {{ typeOf 1.5 }} {{ typeOf "s" }} {{ typeOf .list }} {{ typeOf .dict }} {{ typeOf nil }}', 'int float64 string []interface {} map[string]interface {} <nil>'],
    ['{{ kindOf "hello" }} {{ kindOf .list }} {{ kindOf .dict }} {{ kindIs "int" 123 }} {{ typeIs "string" "x" }}', 'string slice map true true'],
    ['{{ toJson .dict }}', '{"name1":"value1","name2":"value2","name3":"value 3"}'],
    ['{{ toJson .html }} {{ toRawJson .html }}', '"\\u003cb\\u003e\\u0026" "<b>&"'],
    ['{{ toPrettyJson (dict "b" (list 1 2) "a" (dict)) }}', '{\n  "a": {},\n  "b": [\n    1,\n    2\n  ]\n}'],
    ['{{ (fromJson "{\\"a\\":{\\"b\\":1}}").a.b }} {{ fromJson "not json" }}', '1 <no value>'],
    ['{{ deepEqual (list 1 (dict "a" 1)) (list 1 (dict "a" 1)) }}', 'true'],
  ]);
});

describe('gotemplate sprig: lists', () => {
  check([
    ['{{ first .list }} {{ rest .list }} {{ last .list }} {{ initial .list }}', '1 [2 3] 3 [1 2]'],
    ['{{ first (list) }}', '<no value>'],
    ['{{ append .list 4 }} {{ prepend .list 0 }} {{ .list }}', '[1 2 3 4] [0 1 2 3] [1 2 3]'],
    ['{{ concat (list 1 2 3) (list 4 5) (list 6) }}', '[1 2 3 4 5 6]'],
    ['{{ reverse .list }} {{ uniq (list 1 1 1 2) }} {{ without (list 1 2 3 4) 3 }}', '[3 2 1] [1 2] [1 2 4]'],
    ['{{ has 4 (list 1 2 3 4) }} {{ has "x" .list }}', 'true false'],
    ['{{ compact (list 1 "a" "foo" "") }}', '[1 a foo]'],
    ['{{ slice (list 1 2 3 4 5) 1 3 }} {{ slice .list 1 }}', '[2 3] [2 3]'],
    ['{{ until 5 }} {{ untilStep 3 6 2 }}', '[0 1 2 3 4] [3 5]'],
    ['{{ seq 5 }}|{{ seq -3 }}|{{ seq 0 2 }}|{{ seq 2 -2 }}|{{ seq 0 2 10 }}|{{ seq 0 -2 -5 }}', '1 2 3 4 5|1 0 -1 -2 -3|0 1 2|2 1 0 -1 -2|0 2 4 6 8 10|0 -2 -4'],
    ['{{ range $i := until 3 }}{{ $i }}{{ end }}', '012'],
  ]);
});

describe('gotemplate sprig: dictionaries', () => {
  check([
    ['{{ get .dict "name1" }}|{{ get .dict "missing" }}', 'value1|'],
    ['{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }} {{ unset $d "a" }} {{ hasKey $d "b" }}', 'map[a:1 b:2] map[b:2] true'],
    ['{{ dict "a" 1 "b" }}', 'map[a:1 b:]'],
    ['{{ pluck "name1" .dict (dict "name1" "other") (dict) }}', '[value1 other]'],
    ['{{ keys .dict | sortAlpha }} {{ values (dict "a" 1 "b" 2) }}', '[name1 name2 name3] [1 2]'],
    ['{{ pick .dict "name1" "name2" }} {{ omit .dict "name1" "name3" }}', 'map[name1:value1 name2:value2] map[name2:value2]'],
    ['{{ dig "user" "role" "humanName" "guest" .nested }} {{ dig "user" "nope" "guest" .nested }}', 'admin guest'],
    [
      '{{ merge (dict "default" "default" "overwrite" "me" "key" true) (dict "overwrite" "overwritten" "key" false) }}',
      'map[default:default key:true overwrite:me]',
    ],
    [
      '{{ mergeOverwrite (dict "default" "default" "overwrite" "me" "key" true) (dict "overwrite" "overwritten" "key" false) }}',
      'map[default:default key:false overwrite:overwritten]',
    ],
    ['{{ merge (dict "n" (dict "a" 1)) (dict "n" (dict "a" 2 "b" 2)) }}', 'map[n:map[a:1 b:2]]'],
    ['{{ $c := deepCopy .nested }}{{ $_ := set $c "user" "x" }}{{ $c.user }} {{ .nested.user.role.humanName }}', 'x admin'],
    ['{{ $d := dict "__proto__" 1 }}{{ keys $d }} {{ $d.__proto__ }}', '[__proto__] 1'],
  ]);
});

describe('gotemplate sprig: arithmetic, environment, versions, time', () => {
  check([
    ['{{ add 1 2 3 }} {{ add1 1 }} {{ sub 3 2 }} {{ div 7 2 }} {{ mod 7 3 }} {{ mul 2 3 4 }}', '6 2 1 3 1 24'],
    ['{{ max 1 2 3 }} {{ min 1 2 3 }} {{ add "2" 1.9 }}', '3 1 3'],
    ['{{ env "TFWRAP_TEST_X" }}|{{ env "NOPE" }}|{{ expandenv "x=$TFWRAP_TEST_X ${TFWRAP_TEST_X}!" }}', 'hello||x=hello hello!'],
  ], { TFWRAP_TEST_X: 'hello' });
  check([
    ['{{ semverCompare "1.2.3" "1.2.3" }} {{ semverCompare "^1.2.0" "1.2.3" }} {{ semverCompare "~1.2.0" "1.3.0" }}', 'true true false'],
    ['{{ semverCompare ">= 1.2, < 3.0.0" "2.0.0" }} {{ semverCompare "1.x" "1.9.9" }} {{ semverCompare "<1.0 || >=2.1" "2.0.0" }}', 'true true false'],
  ]);
  it('div by zero is an execution error, as the Go panic is', () => {
    assert.throws(() => render('{{ until 100000000 }}', {}, { name: 't' }), /error calling until: more than 1000000 numbers/);
    assert.equal(render('{{ len (until 1000000) }} {{ untilStep 0 -100000000 1 }}', {}, { name: 't' }), '1000000 []');
    assert.throws(() => render('{{ div 1 0 }}', {}, { name: 't' }), {
      message: 'template: t:1:3: executing "t" at <div 1 0>: error calling div: runtime error: integer divide by zero',
    });
  });
  it('required and fail stop the template with the message', () => {
    assert.throws(() => render('{{ required "vars.region is required" .vars.region }}', { vars: {} }, { name: 't' }), {
      message: 'template: t:1:3: executing "t" at <required "vars.region is required" .vars.region>: error calling required: vars.region is required',
    });
    assert.throws(() => render('{{ fail "nope" }}', {}), /error calling fail: nope/);
  });
  it('argument types are checked as Go checks a FuncMap signature', () => {
    assert.throws(() => render('{{ upper .n }}', { n: 5 }, { name: 't' }), {
      message: 'template: t:1:9: executing "t" at <.n>: wrong type for value; expected string; got int',
    });
    assert.throws(() => render('{{ repeat "3" "x" }}', {}, { name: 't' }), { message: 'template: t:1:10: executing "t" at <"3">: expected integer; found "3"' });
  });
  it('now | date formats with a Go layout', () => {
    const out = render('{{ now | date "2006-01-02T15:04:05" }} {{ date "2006" now }}', {});
    assert.match(out, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2} \d{4}$/);
    assert.equal(out.slice(-4), String(new Date().getFullYear()));
  });
  it('Sprig can be left out', () => {
    assert.throws(() => render('{{ upper "x" }}', {}, { sprig: false, name: 't' }), { message: 'template: t:1: function "upper" not defined' });
  });
});

describe('gotemplate: an Atmos-style component section', () => {
  it('renders vars, settings and context keys the way Atmos feeds them', () => {
    const section = {
      atmos_component: 'vpc',
      atmos_stack: 'plat-ue1-dev',
      workspace: 'plat-ue1-dev',
      vars: { namespace: 'acme', tenant: 'plat', environment: 'ue1', stage: 'dev', cidr: '10.0.0.0/16', azs: ['a', 'b'] },
      settings: { config: { a: 'component-1-a' } },
    };
    const text = [
      'vars:',
      '  name: "{{ .vars.namespace }}-{{ .vars.tenant }}-{{ .vars.environment }}-{{ .vars.stage }}-{{ .atmos_component }}"',
      '  a: "{{ .settings.config.a }}"',
      '  tags: {{ dict "Stack" .atmos_stack "Component" .atmos_component | toJson }}',
      '  zones:',
      '  {{- range .vars.azs }}',
      '    - "{{ $.vars.environment }}{{ . }}"',
      '  {{- end }}',
      'backend:',
      '  s3:',
      '    bucket: "{{ .vars.namespace }}-{{ .vars.stage }}-tfstate"',
      '    key: "{{ .workspace }}/{{ .atmos_component | replace "/" "-" }}.tfstate"',
      '',
    ].join('\n');
    assert.equal(
      render(text, section, { name: 'stacks/deploy/dev.yaml', missingKey: 'error' }),
      [
        'vars:',
        '  name: "acme-plat-ue1-dev-vpc"',
        '  a: "component-1-a"',
        '  tags: {"Component":"vpc","Stack":"plat-ue1-dev"}',
        '  zones:',
        '    - "ue1a"',
        '    - "ue1b"',
        'backend:',
        '  s3:',
        '    bucket: "acme-dev-tfstate"',
        '    key: "plat-ue1-dev/vpc.tfstate"',
        '',
      ].join('\n'),
    );
  });
});
