// Start-up in short tasks: a slow laptop runs a task of 50 ms or more as a
// pause the learner feels (a click or a stroke waits for it), so the page is
// built in steps, each in its own task, with the browser free to render
// and to handle input between them (BENCHMARKS.md, issue 21).

/** Resolves in a new task after the browser has rendered what the page
 * changed so far, so that the next step and the layout of this one are
 * separate tasks. A hidden tab renders no frames: a timer stands in. */
export function afterNextFrame(): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const next = () => {
      if (done) return;
      done = true;
      setTimeout(resolve, 0);
    };
    requestAnimationFrame(next);
    setTimeout(next, 100);
  });
}
