// Observable Plot names each of its marks for screen readers (aria-label
// "bar", "x-axis tick", "frame", ... on <g> and <rect> elements), but an
// element with no role may not carry a name (ARIA 1.2; axe-core's rule
// aria-prohibited-attr), and the names say nothing that the figure's
// caption and legend do not. The chart as a whole keeps its own name.

/** Removes the names of Plot's marks from `chart`; returns it. */
export function unlabelMarks<T extends Element>(chart: T): T {
  for (const mark of chart.querySelectorAll('svg :not(svg)[aria-label]')) mark.removeAttribute('aria-label');
  return chart;
}
