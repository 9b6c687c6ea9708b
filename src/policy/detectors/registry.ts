import type { Detector } from './detector';
import { egressDetectors } from './egress';
import { piiDetectors } from './pii';
import { secretDetectors as catalogDetectors } from './secret-gate';
import { encodedSecretDetector } from './secret-encoded';
import { secretKeyDetector } from './secret-keys';
import { basicAuthDetector, providerTokenDetector } from './secret-providers';
import { shellDetectors } from './shell';
import type { SqlDialect } from './sql-classify';
import { sqlDetectors, sqlDetectorsFor } from './sql';

/**
 * The secret detectors: the gated catalog (secret-gate.ts), then the provider formats it does not hold and the
 * credentials named by their key, and base64 text that decodes to any of them, each with its own pre-filter.
 */
export const secretDetectors: Detector[] = [
  ...catalogDetectors,
  providerTokenDetector,
  basicAuthDetector,
  secretKeyDetector,
  encodedSecretDetector,
];

/** Every built-in detector, by name. */
export const detectorsByName: ReadonlyMap<string, Detector> = new Map(
  [...piiDetectors, ...secretDetectors, ...shellDetectors, ...sqlDetectors, ...egressDetectors].map((d) => [d.name, d]),
);

/** Group names, each selecting every detector of its kind. */
export const detectorGroups: ReadonlyMap<string, Detector[]> = new Map([
  ['pii', piiDetectors],
  ['secrets', secretDetectors],
  ['shell', shellDetectors],
  ['sql', sqlDetectors],
  ['egress', egressDetectors],
]);

/** Every name a policy may list under `detectors`: groups first, then single detectors. */
export const detectorNames: readonly string[] = [...detectorGroups.keys(), ...detectorsByName.keys()];

/** Options of a rule that change what its detectors do. */
export interface DetectorOptions {
  /** SQL dialect for the `sql` detectors; PostgreSQL when absent. */
  dialect?: SqlDialect;
}

/** Resolves group and detector names into detectors, without duplicates, or `undefined` for an unknown name. */
export function resolveDetectors(names: readonly string[], options: DetectorOptions = {}): Detector[] | undefined {
  const found = new Set<Detector>();
  for (const name of names) {
    const group = detectorGroups.get(name);
    const single = detectorsByName.get(name);
    if (group) group.forEach((d) => found.add(d));
    else if (single) found.add(single);
    else return undefined;
  }
  if (!options.dialect || options.dialect === 'postgresql') return [...found];
  const dialectSql = new Map(sqlDetectorsFor(options.dialect).map((d) => [d.name, d]));
  return [...found].map((d) => (d.group === 'sql' ? (dialectSql.get(d.name) ?? d) : d));
}
