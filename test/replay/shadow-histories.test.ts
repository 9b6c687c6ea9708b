import { recordedHistories } from './recorded-histories';

interface JsonEvent {
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
  upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, unknown> } };
}

function eventsOf(name: string): JsonEvent[] {
  const recorded = recordedHistories().histories.find((h) => h.name === name);
  return (recorded?.history as { events?: JsonEvent[] } | undefined)?.events ?? [];
}

/** The shadow path's histories took the fourth generation and carry the shadow's action in the decision's upsert. */
test.each(['shadow-allow-disagree', 'shadow-escalate-approve-disagree'])('%s is the shadow-decision path', (name) => {
  const events = eventsOf(name);
  const patches = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
  expect(patches).toEqual(['call-changes-at-start-4']);
  const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
  const withShadow = upserts.filter(
    (e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.GuardShadowAction,
  );
  expect(withShadow).toHaveLength(1);
});
