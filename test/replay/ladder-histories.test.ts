import { recordedHistories } from './recorded-histories';

interface JsonEvent {
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
}

/** The patch IDs a recorded history's `core_patch` markers name. */
function patchIds(history: unknown): string[] {
  const events = (history as { events?: JsonEvent[] }).events ?? [];
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
}

/** The ladder's recorded paths took the patched branch: each carries the `escalation-ladder` marker; the others none. */
test('ladder histories carry the escalation-ladder patch marker, and only they do', () => {
  const marked = recordedHistories()
    .histories.filter(({ history }) => patchIds(history).includes('escalation-ladder'))
    .map((h) => h.name)
    .sort();
  expect(marked).toEqual([
    'ladder-escalate-approve',
    'ladder-extend-deny',
    'ladder-remind-route-timeout',
    'ladder-timeout-allow',
  ]);
});
