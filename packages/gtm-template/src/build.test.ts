import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ID, IDENTITY_BLOCKLIST } from '@idem/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadTemplate, TEMPLATE_PATH } from './harness/node.js';
import { urlMatches } from './harness/permissions.js';
import { dataParameters, SECTION_ORDER, splitSections } from './harness/tpl.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = join(root, 'scripts/build.mjs');
const text = readFileSync(TEMPLATE_PATH, 'utf8');
const template = loadTemplate();
const tmp = mkdtempSync(join(tmpdir(), 'idem-gtm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the build', () => {
  it('the committed template.tpl equals a rebuild', () => {
    const check = spawnSync(process.execPath, [build, '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('is deterministic: two builds are byte for byte the same', () => {
    execFileSync(process.execPath, [build, '--out', join(tmp, 'a.tpl')]);
    execFileSync(process.execPath, [build, '--out', join(tmp, 'b.tpl')]);
    const a = readFileSync(join(tmp, 'a.tpl'), 'utf8');
    expect(readFileSync(join(tmp, 'b.tpl'), 'utf8')).toBe(a);
    expect(a).toBe(text);
  });

  it('--check fails on a stale file', () => {
    const stale = join(tmp, 'stale.tpl');
    execFileSync(process.execPath, [build, '--out', stale]);
    const edited = readFileSync(stale, 'utf8').replace('identify', 'identifY');
    writeFileSync(stale, edited);
    const check = spawnSync(process.execPath, [build, '--check', '--out', stale], { encoding: 'utf8' });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('out of date');
  });

  it("writes GTM's sections in GTM's order, and only those", () => {
    expect(splitSections(text).order).toEqual([...SECTION_ORDER]);
    expect(text.startsWith('___TERMS_OF_SERVICE___\n\n')).toBe(true);
    expect(text.endsWith('\n\n\n')).toBe(true);
    expect(text).not.toMatch(/\r|[ \t]+\n/);
  });

  it('contains no date or machine-specific path', () => {
    expect(text).not.toMatch(/\b20\d\d-\d\d-\d\d|Created on|\/work\/|\/home\/|\/Users\//);
  });

  it('escapes HTML-sensitive characters in the JSON sections as GTM does', () => {
    for (const name of ['___INFO___', '___TEMPLATE_PARAMETERS___', '___WEB_PERMISSIONS___']) {
      expect(template.sections[name]).not.toMatch(/[<>&=']/);
    }
  });
});

describe('generated from @idem/core', () => {
  it("the blocklist is core's IDENTITY_BLOCKLIST", () => {
    const line = template.code.split('\n').find((l) => l.startsWith('const IDENTITY_BLOCKLIST = '));
    const list = JSON.parse(line!.replace('const IDENTITY_BLOCKLIST = ', '').replace(/;$/, '').replace(/'/g, '"'));
    expect(list).toEqual([...IDENTITY_BLOCKLIST]);
    expect(template.code).not.toContain('@generated');
  });

  it("the App ID field's validator is core's APP_ID, plus variable references", () => {
    const appId = dataParameters(template.parameters).find((p) => p.name === 'appId')!;
    const regex = appId.valueValidators!.find((v) => v.type === 'REGEX')!.args![0] as string;
    const re = new RegExp(regex);
    for (const sample of ['demo', 'my_app-2', 'a'.repeat(64), 'a'.repeat(65), '', 'bad id', 'é', 'a/b', 'demo\n'])
      expect(re.test(sample), sample).toBe(APP_ID.test(sample));
    expect(re.test('{{Idem App ID}}')).toBe(true);
    expect(re.test('{{a}}{{b}}')).toBe(false);
  });
});

describe('sources and template agree', () => {
  it('___WEB_PERMISSIONS___ decodes to src/permissions.json', () => {
    expect(template.permissions).toEqual(JSON.parse(readFileSync(join(root, 'src/permissions.json'), 'utf8')));
  });

  it('___INFO___ describes a web tag template', () => {
    expect(template.info).toMatchObject({ type: 'TAG', id: 'cvt_temp_public_id', version: 1, containerContexts: ['WEB'] });
  });

  it('the default SDK URL is one the inject_script permission allows', () => {
    const url = dataParameters(template.parameters).find((p) => p.name === 'scriptUrl')!.defaultValue as string;
    expect(template.permissions.inject_script!.urls.some((p) => urlMatches(p, url))).toBe(true);
  });

  it('the tag type select offers identify (the default), reset and track', () => {
    const tagType = template.parameters.find((p) => p.name === 'tagType')!;
    expect(tagType.defaultValue).toBe('identify');
    expect(tagType.selectItems!.map((i) => i.value)).toEqual(['identify', 'reset', 'track']);
  });

  it('parameter names are unique', () => {
    const names = dataParameters(template.parameters).map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('gallery files', () => {
  const metadata = parseYaml(readFileSync(join(root, 'metadata.yaml'), 'utf8'));

  it('metadata.yaml has a homepage, documentation and versions with a sha and change notes', () => {
    expect(metadata.homepage).toMatch(/^https:\/\//);
    expect(metadata.documentation).toMatch(/^https:\/\//);
    expect(metadata.versions.length).toBeGreaterThan(0);
    for (const v of metadata.versions) {
      expect(String(v.sha)).toMatch(/^[0-9a-f]{40}$/);
      expect(v.changeNotes).toEqual(expect.any(String));
    }
  });

  it('the package ships the Apache-2.0 license', () => {
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).license).toBe('Apache-2.0');
  });
});
