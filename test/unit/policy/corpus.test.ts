import { corpusDir } from '../../corpus/corpus';
import { goalSuite } from '../../corpus/goal-suite';

goalSuite('labelled corpus under policies/recommended.yaml', corpusDir, 500);
