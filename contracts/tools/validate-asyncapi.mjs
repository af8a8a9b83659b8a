// Parses an AsyncAPI document with @asyncapi/parser (refs resolved from the file's folder);
// prints every diagnostic and exits 1 on an error.
import { Parser, fromFile } from '@asyncapi/parser';

const path = process.argv[2];
if (!path) {
  console.error('usage: node validate-asyncapi.mjs <asyncapi.yaml>');
  process.exit(2);
}
const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, path).parse();
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of diagnostics) {
  const level = ['error', 'warning', 'info', 'hint'][d.severity] ?? 'note';
  console.log(`${level}: ${d.code}: ${d.message} at ${d.path.join('/')}`);
}
if (!document || errors.length > 0) {
  console.error(`INVALID: ${errors.length} error(s)`);
  process.exit(1);
}
const channels = document.channels().length;
const messages = document.allMessages().length;
console.log(`VALID: AsyncAPI ${document.version()}, ${channels} channels, ${messages} messages`);
