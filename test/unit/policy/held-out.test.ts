import path from 'node:path';

import { corpusDir, loadCorpusFile } from '../../corpus/corpus';
import { goalSuite } from '../../corpus/goal-suite';

// HELD-OUT: calls the detectors were not tuned on (test/corpus/held-out/README.md). A miss here is fixed in the
// detector, for its whole class, never by editing or dropping the call.
goalSuite('held-out calls under policies/recommended.yaml', path.join(corpusDir, 'held-out'), 1000);

// Round 3 alone (written before any tuning on 2026-12-02), so its rates cannot hide behind the older rounds'.
goalSuite(
  'held-out round 3 under policies/recommended.yaml',
  loadCorpusFile(path.join(corpusDir, 'held-out', 'round-3.jsonl')),
  250,
);

// Round 4 alone (written before any tuning on 2026-12-02, scored untuned at 61.2% caught / 6.7% touched).
goalSuite(
  'held-out round 4 under policies/recommended.yaml',
  loadCorpusFile(path.join(corpusDir, 'held-out', 'round-4.jsonl')),
  400,
);
