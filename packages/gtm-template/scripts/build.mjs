// Writes template.tpl, GTM's custom template file, from the sources in src/:
//   info.json -> ___INFO___, parameters.json -> ___TEMPLATE_PARAMETERS___,
//   template.js -> ___SANDBOXED_JS_FOR_WEB_TEMPLATE___, permissions.json -> ___WEB_PERMISSIONS___,
//   tests.yaml -> ___TESTS___, notes.txt -> ___NOTES___ (in GTM's order).
// The output depends on nothing but those files and @idem/core's rules: no dates, no absolute paths.
//
//   node scripts/build.mjs            write template.tpl
//   node scripts/build.mjs --check    exit 1 when template.tpl differs from a rebuild
//   node scripts/build.mjs --out F    write F instead
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import YAML from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file) => readFileSync(join(root, file), 'utf8').replace(/\r\n?/g, '\n');

export const SECTIONS = [
  '___TERMS_OF_SERVICE___',
  '___INFO___',
  '___TEMPLATE_PARAMETERS___',
  '___SANDBOXED_JS_FOR_WEB_TEMPLATE___',
  '___WEB_PERMISSIONS___',
  '___TESTS___',
  '___NOTES___',
];

const TERMS =
  "By creating or modifying this file you agree to Google Tag Manager's Community Template Gallery\n" +
  'Developer Terms of Service (https://developers.google.com/tag-manager/gallery-tos), as Google may\n' +
  'update them.';

/**
 * @idem/core, compiled from its source: the template follows core's rules even when core's dist is
 * missing or stale (the CI builds this package on its own), and no rule is copied by hand.
 */
async function loadCore() {
  const coreDir = realpathSync(join(root, 'node_modules/@idem/core'));
  const out = await build({
    entryPoints: [join(coreDir, 'src/index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

const quote = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** GTM's typed values in ___WEB_PERMISSIONS___: 1 string, 2 list, 3 map, 8 boolean. */
function encodeValue(value, where) {
  if (typeof value === 'string') return { type: 1, string: value };
  if (typeof value === 'boolean') return { type: 8, boolean: value };
  if (Array.isArray(value)) return { type: 2, listItem: value.map((v, i) => encodeValue(v, `${where}[${i}]`)) };
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    return {
      type: 3,
      mapKey: keys.map((k) => ({ type: 1, string: k })),
      mapValue: keys.map((k) => encodeValue(value[k], `${where}.${k}`)),
    };
  }
  throw new Error(`permissions.json: ${where} must be a string, boolean, list or map`);
}

function encodePermissions(permissions) {
  return Object.entries(permissions).map(([publicId, params]) => ({
    instance: {
      key: { publicId, versionId: '1' },
      param: Object.entries(params).map(([key, value]) => ({ key, value: encodeValue(value, `${publicId}.${key}`) })),
    },
    clientAnnotations: { isEditedByUser: true },
    isRequired: true,
  }));
}

/** JSON as GTM exports it: two-space indent, HTML-sensitive characters escaped. */
const gtmJson = (value) =>
  JSON.stringify(value, null, 2).replace(/[<>&='\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const parseJson = (file) => {
  try {
    return JSON.parse(read(file));
  } catch (e) {
    throw new Error(`${file}: ${e.message}`);
  }
};

/** Replaces each "@generated NAME" string in the parameters. */
function fillParameters(value, generated) {
  if (typeof value === 'string' && value.startsWith('@generated ')) {
    const name = value.slice('@generated '.length);
    if (!(name in generated)) throw new Error(`parameters.json: unknown generated value ${name}`);
    return generated[name];
  }
  if (Array.isArray(value)) return value.map((v) => fillParameters(v, generated));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillParameters(v, generated)]));
  return value;
}

function checkTests(text) {
  const tests = YAML.parse(text);
  if (!tests || !Array.isArray(tests.scenarios)) throw new Error('tests.yaml: expected a list `scenarios`');
  const names = new Set();
  for (const s of tests.scenarios) {
    if (typeof s?.name !== 'string' || typeof s.code !== 'string') throw new Error('tests.yaml: each scenario needs a name and code');
    if (names.has(s.name)) throw new Error(`tests.yaml: two scenarios are named "${s.name}"`);
    names.add(s.name);
  }
  if (tests.setup !== undefined && typeof tests.setup !== 'string') throw new Error('tests.yaml: setup must be a string');
}

const trimLines = (text) =>
  text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .trim();

export async function render() {
  const core = await loadCore();
  const blocklist = core.IDENTITY_BLOCKLIST;
  if (!Array.isArray(blocklist) || blocklist.length === 0) throw new Error('@idem/core exports no IDENTITY_BLOCKLIST');
  const appId = core.APP_ID.source.replace(/^\^/, '').replace(/\$$/, '');

  const marker = '/* @generated IDENTITY_BLOCKLIST */ []';
  const js = read('src/template.js');
  if (js.split(marker).length !== 2) throw new Error(`src/template.js must contain ${marker} exactly once`);
  const code = js.replace(marker, `[${blocklist.map(quote).join(', ')}]`);

  // A GTM field may also hold a variable reference such as {{Idem App ID}}.
  const parameters = fillParameters(parseJson('src/parameters.json'), { APP_ID_PATTERN: `^(?:${appId}|\\{\\{[^{}]+\\}\\})$` });
  const tests = read('src/tests.yaml');
  checkTests(tests);

  const body = {
    ___TERMS_OF_SERVICE___: TERMS,
    ___INFO___: gtmJson(parseJson('src/info.json')),
    ___TEMPLATE_PARAMETERS___: gtmJson(parameters),
    ___SANDBOXED_JS_FOR_WEB_TEMPLATE___: code,
    ___WEB_PERMISSIONS___: gtmJson(encodePermissions(parseJson('src/permissions.json'))),
    ___TESTS___: tests,
    ___NOTES___: read('src/notes.txt'),
  };
  return SECTIONS.map((name) => `${name}\n\n${trimLines(body[name])}\n\n\n`).join('');
}

async function main(args) {
  const text = await render();
  const outIndex = args.indexOf('--out');
  const target = outIndex >= 0 ? args[outIndex + 1] : join(root, 'template.tpl');
  if (!target) throw new Error('--out needs a file');
  if (args.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== text) {
      console.error(`${target} is out of date: run pnpm --filter @idem/gtm-template build`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(target, text);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
