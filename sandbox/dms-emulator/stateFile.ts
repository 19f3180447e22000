import fs from 'node:fs';
import path from 'node:path';
import type { EmulatorState } from './emulatorState';

/** The state file under .stack/dms-emulator/: written atomically (temp file + rename) so a crash never leaves half a file. */
export class StateFile {
  constructor(readonly file: string) {}

  load(): EmulatorState | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const state = JSON.parse(fs.readFileSync(this.file, 'utf8')) as EmulatorState;
    if (state.version !== 1) throw new Error(`${this.file}: unknown state version ${String(state.version)}; remove it to start afresh`);
    return state;
  }

  save(state: EmulatorState): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(state));
    fs.renameSync(temp, this.file);
  }
}
