import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { configurationReferenceMarkdown, REFERENCE_FILE } from './configurationReference';

/**
 * `npm run docs:reference`: writes docs/reference/configuration.md, generated from domain/config.ts, formatted as
 * Prettier formats the rest of the docs. test/unit/configurationReference.test.ts fails when the committed file
 * differs from what this renders (it runs this script: Prettier's dynamic import does not load under jest).
 */

export async function renderConfigurationReference(): Promise<string> {
  const options = await prettier.resolveConfig(REFERENCE_FILE);
  return prettier.format(configurationReferenceMarkdown(), { ...options, filepath: REFERENCE_FILE });
}

/** `--stdout` prints the reference instead of writing it (the test compares it with the committed file that way). */
async function main(): Promise<void> {
  const text = await renderConfigurationReference();
  if (process.argv.includes('--stdout')) {
    process.stdout.write(text);
    return;
  }
  fs.writeFileSync(REFERENCE_FILE, text);
  console.log(`wrote ${path.relative(path.resolve(__dirname, '..'), REFERENCE_FILE)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
