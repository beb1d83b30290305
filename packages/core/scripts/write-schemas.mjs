// Writes the wire format's JSON Schemas from core to docs/schemas/, so the contract documents
// and the validators cannot drift apart (CI checks the committed files against a rebuild).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wireSchemas } from '../dist/index.js';

const { batchSchema, serverSchemas } = wireSchemas();

const out = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/schemas');
mkdirSync(out, { recursive: true });
for (const schema of [batchSchema, ...Object.values(serverSchemas)]) {
  const file = join(out, schema.$id.replace('idem/', ''));
  writeFileSync(file, `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...schema }, null, 2)}\n`);
}
console.log(`wrote schemas to ${out}`);
