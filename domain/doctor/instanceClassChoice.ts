import { vcpusOf } from '../instanceClasses';

/**
 * The next class up or down among the classes the configuration allows for an instance: by vCPUs, preferring the
 * current family (`dms.r5.*` stays `r5` when it can), so a resize changes one thing at a time.
 */
function family(instanceClass: string): string {
  return instanceClass.split('.')[1] ?? '';
}

function closest(candidates: string[], current: string, distance: (c: string) => number): string | undefined {
  return [...candidates].sort(
    (a, b) =>
      distance(a) - distance(b) || Number(family(b) === family(current)) - Number(family(a) === family(current)) || a.localeCompare(b),
  )[0];
}

export function largerClass(allowed: string[], current: string): string | undefined {
  const vcpus = vcpusOf(current);
  const bigger = allowed.filter((c) => vcpusOf(c) > vcpus);
  return closest(bigger, current, (c) => vcpusOf(c) - vcpus);
}

export function smallerClass(allowed: string[], current: string): string | undefined {
  const vcpus = vcpusOf(current);
  const smaller = allowed.filter((c) => vcpusOf(c) < vcpus);
  return closest(smaller, current, (c) => vcpus - vcpusOf(c));
}
