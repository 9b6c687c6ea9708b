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
    'long-window-route-quorum',
    'long-window-timeout',
  ]);
});

/** The 72-hour rule on the dev server took the ladder, the quorum and the receipt in one execution. */
test.each(['long-window-route-quorum', 'long-window-timeout'])(
  '%s carries the ladder, quorum and receipt markers',
  (name) => {
    const recorded = recordedHistories().histories.find((h) => h.name === name);
    expect(patchIds(recorded?.history)).toEqual(expect.arrayContaining(['escalation-ladder', 'quorum', 'receipt']));
  },
);
