import { EmulatedClock } from './emulatedClock';
import type { EmulatorSettings } from './emulatorSettings';
import type { EmulatorState, EndpointRecord, InstanceRecord, TaskRecord } from './emulatorState';
import { notFound } from './dmsFault';
import { type BehaviourSettings, defaultBehaviour } from './behaviourSettings';
import { noFaults } from './faultSettings';
import { StateFile } from './stateFile';

/** The emulator's state, clock and settings, shared by the API operations, the engine and the data plane. */
export class EmulatorContext {
  private dirty = false;
  clock: EmulatedClock;

  constructor(
    public state: EmulatorState,
    readonly settings: EmulatorSettings,
    private readonly file: StateFile,
  ) {
    this.clock = new EmulatedClock(state.clock);
  }

  static open(settings: EmulatorSettings): EmulatorContext {
    const file = new StateFile(settings.stateFile);
    const state = file.load() ?? freshState(settings);
    return new EmulatorContext(state, settings, file);
  }

  /** The unverified-behaviour settings in force (defaults for a state file written before they existed). */
  behaviour(): BehaviourSettings {
    return (this.state.behaviour ??= defaultBehaviour());
  }

  now(): number {
    return this.clock.now();
  }

  changed(): void {
    this.dirty = true;
  }

  /** Writes the state file if anything changed since the last write. */
  flush(): void {
    if (!this.dirty) return;
    this.state.clock = this.clock.snapshot();
    this.file.save(this.state);
    this.dirty = false;
  }

  /** Forgets every resource, fault and counter; the clock restarts at real time with the given speed. */
  reset(speed: number): void {
    this.state = freshState({ ...this.settings, speed });
    this.clock = new EmulatedClock(this.state.clock);
    this.dirty = true;
  }

  instance(arn: string): InstanceRecord {
    const found = this.state.instances.find((i) => i.arn === arn);
    if (!found) throw notFound(`Replication instance ${arn} not found`);
    return found;
  }

  endpoint(arn: string): EndpointRecord {
    const found = this.state.endpoints.find((e) => e.arn === arn);
    if (!found) throw notFound(`Endpoint ${arn} not found`);
    return found;
  }

  task(arn: string): TaskRecord {
    const found = this.state.tasks.find((t) => t.arn === arn);
    if (!found) throw notFound(`Replication task ${arn} not found`);
    return found;
  }

  /** A task named in the admin API by identifier, ARN or ARN resource id. */
  taskNamed(name: string): TaskRecord | undefined {
    return this.state.tasks.find((t) => t.identifier === name || t.arn === name || t.arn.endsWith(`:${name}`));
  }

  /** $AR_H_CHANGE_SEQ: emulated time (to the hundredth of a second) then a global counter: unique and increasing. */
  nextChangeSeq(): { text: string; counter: bigint } {
    this.state.changeSeq += 1;
    const stamp = new Date(this.now())
      .toISOString()
      .replace(/[-:TZ.]/g, '')
      .slice(0, 16);
    return { text: `${stamp}${String(this.state.changeSeq).padStart(19, '0')}`, counter: BigInt(this.state.changeSeq) };
  }
}

export function freshState(settings: EmulatorSettings): EmulatorState {
  return {
    version: 1,
    region: settings.region,
    clock: EmulatedClock.startingNow(settings.speed).snapshot(),
    faults: noFaults(),
    behaviour: defaultBehaviour(),
    instances: [],
    endpoints: [],
    tasks: [],
    connections: [],
    changeSeq: 0,
    generation: 0,
    calls: {},
  };
}
