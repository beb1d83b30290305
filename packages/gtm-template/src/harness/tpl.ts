/** Reading template.tpl: its sections, and each section's content as data. */
import { parse as parseYaml } from 'yaml';
import { decodePermissions, type Permissions } from './permissions.js';

/** The sections of a web tag template, in the order GTM writes them. */
export const SECTION_ORDER = [
  '___TERMS_OF_SERVICE___',
  '___INFO___',
  '___TEMPLATE_PARAMETERS___',
  '___SANDBOXED_JS_FOR_WEB_TEMPLATE___',
  '___WEB_PERMISSIONS___',
  '___TESTS___',
  '___NOTES___',
] as const;

export interface Parameter {
  type: string;
  name: string;
  displayName?: string;
  defaultValue?: unknown;
  selectItems?: Array<{ value: unknown; displayValue?: string }>;
  simpleTableColumns?: Array<{ name: string; type: string }>;
  subParams?: Parameter[];
  valueValidators?: Array<{ type: string; args?: unknown[] }>;
  enablingConditions?: Array<{ paramName: string; paramValue: unknown; type: string }>;
  [key: string]: unknown;
}

export interface Scenario {
  name: string;
  code: string;
}

export interface Template {
  /** Section names in file order. */
  order: string[];
  sections: Record<string, string>;
  info: Record<string, unknown>;
  parameters: Parameter[];
  code: string;
  permissions: Permissions;
  scenarios: Scenario[];
  setup: string;
}

export function splitSections(text: string): { order: string[]; sections: Record<string, string> } {
  const order: string[] = [];
  const sections: Record<string, string> = {};
  let current: string | undefined;
  let lines: string[] = [];
  const close = () => {
    if (current !== undefined) sections[current] = lines.join('\n').trim();
  };
  for (const line of text.split('\n')) {
    if (/^___[A-Z_]+___$/.test(line)) {
      close();
      if (line in sections || order.includes(line)) throw new Error(`section ${line} appears twice`);
      current = line;
      order.push(line);
      lines = [];
    } else if (current === undefined) {
      if (line.trim() !== '') throw new Error('text before the first section');
    } else lines.push(line);
  }
  close();
  return { order, sections };
}

export function parseTemplate(text: string): Template {
  const { order, sections } = splitSections(text);
  for (const name of SECTION_ORDER) if (!(name in sections)) throw new Error(`missing section ${name}`);
  const tests = (parseYaml(sections.___TESTS___!) ?? {}) as { scenarios?: Scenario[]; setup?: string };
  return {
    order,
    sections,
    info: JSON.parse(sections.___INFO___!),
    parameters: JSON.parse(sections.___TEMPLATE_PARAMETERS___!),
    code: sections.___SANDBOXED_JS_FOR_WEB_TEMPLATE___!,
    permissions: decodePermissions(JSON.parse(sections.___WEB_PERMISSIONS___!)),
    scenarios: tests.scenarios ?? [],
    setup: tests.setup ?? '',
  };
}

/** Every parameter that reaches `data` (groups contribute their sub-parameters; labels nothing). */
export function dataParameters(parameters: Parameter[]): Parameter[] {
  const out: Parameter[] = [];
  const visit = (list: Parameter[]) => {
    for (const p of list) {
      if (p.type !== 'GROUP' && p.type !== 'LABEL') out.push(p);
      if (p.subParams) visit(p.subParams);
    }
  };
  visit(parameters);
  return out;
}
