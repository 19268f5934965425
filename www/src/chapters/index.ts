// The page's chapters, in order. The project's ten parts (SPEC.md) join this
// list as `chapter-1` .. `chapter-10`, each a module beside draw/.

import type { Chapter } from './chapter';
import { drawChapter } from './draw';

export const chapters: readonly Chapter[] = [drawChapter];
