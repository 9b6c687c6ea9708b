import type { Detector } from './detector';
import { piiDetectors } from './pii';
import { secretDetectors } from './secrets';
import { shellDetectors } from './shell';
import { sqlDetectors } from './sql';

/** Every built-in detector, by name. */
export const detectorsByName: ReadonlyMap<string, Detector> = new Map(
  [...piiDetectors, ...secretDetectors, ...shellDetectors, ...sqlDetectors].map((d) => [d.name, d]),
);

/** Group names, each selecting every detector of its kind. */
export const detectorGroups: ReadonlyMap<string, Detector[]> = new Map([
  ['pii', piiDetectors],
  ['secrets', secretDetectors],
  ['shell', shellDetectors],
  ['sql', sqlDetectors],
]);

/** Every name a policy may list under `detectors`: groups first, then single detectors. */
export const detectorNames: readonly string[] = [...detectorGroups.keys(), ...detectorsByName.keys()];

/** Resolves group and detector names into detectors, without duplicates, or `undefined` for an unknown name. */
export function resolveDetectors(names: readonly string[]): Detector[] | undefined {
  const found = new Set<Detector>();
  for (const name of names) {
    const group = detectorGroups.get(name);
    const single = detectorsByName.get(name);
    if (group) group.forEach((d) => found.add(d));
    else if (single) found.add(single);
    else return undefined;
  }
  return [...found];
}
