/** The parts of ReplicationTaskSettings the emulator honours. */
export interface EmulatedTaskSettings {
  targetTablePrepMode: 'DROP_AND_CREATE' | 'TRUNCATE_BEFORE_LOAD' | 'DO_NOTHING';
  maxFullLoadSubTasks: number;
}

export function emulatedTaskSettings(json: string): EmulatedTaskSettings {
  let parsed: { FullLoadSettings?: { TargetTablePrepMode?: string; MaxFullLoadSubTasks?: number } } = {};
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch {
    /* validated on create/modify */
  }
  const mode = parsed.FullLoadSettings?.TargetTablePrepMode;
  const subTasks = parsed.FullLoadSettings?.MaxFullLoadSubTasks;
  return {
    targetTablePrepMode: mode === 'TRUNCATE_BEFORE_LOAD' || mode === 'DO_NOTHING' ? mode : 'DROP_AND_CREATE',
    maxFullLoadSubTasks: typeof subTasks === 'number' && subTasks >= 1 && subTasks <= 49 ? Math.floor(subTasks) : 8,
  };
}
