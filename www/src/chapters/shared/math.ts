// Formulas, typeset with KaTeX when the markup is built (no layout pass
// later, no flash of raw TeX). KaTeX's output carries MathML too, which
// screen readers read.

import katex from 'katex';
import 'katex/dist/katex.min.css';

/** A formula as HTML: inline, or on its own line with `display`. */
export function tex(source: string, display = false): string {
  return katex.renderToString(source, { displayMode: display, throwOnError: false, strict: 'ignore' });
}

/** A displayed formula. */
export function texBlock(source: string): string {
  return `<div class="formula">${tex(source, true)}</div>`;
}
