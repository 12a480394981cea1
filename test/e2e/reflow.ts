/**
 * Reflow (WCAG 1.4.10) in the end-to-end specs: at 320 CSS px (a 1280 px window at 400 % zoom) a
 * page must not scroll sideways; a wide table scrolls inside a region of its own instead.
 */
import type { Page } from '@playwright/test';

/** The narrow window the reflow checks use. */
export const narrow = { width: 320, height: 640 } as const;

/**
 * What makes the page wider than its window: empty when it does not scroll sideways
 * (`document.documentElement.scrollWidth` within the window), else the page's width and the
 * outermost elements that reach past the window's right edge, to say which. An element inside a
 * box that scrolls (a table in its region) does not count.
 */
export async function pageOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return [];
    // A box that scrolls clips what is inside, except an absolutely positioned element whose
    // containing block (its nearest positioned ancestor) is outside that box: a visually hidden
    // text in a table that scrolls still widens the page.
    const contained = (element: Element) => {
      let escapes = getComputedStyle(element).position === 'absolute';
      for (
        let up = element.parentElement;
        up !== null && up !== document.body;
        up = up.parentElement
      ) {
        const style = getComputedStyle(up);
        if (style.position !== 'static') escapes = false;
        if (!escapes && style.overflowX !== 'visible') return true;
      }
      return false;
    };
    const wide = [...document.body.querySelectorAll('*')].filter(
      (element) =>
        element.getBoundingClientRect().right > root.clientWidth + 0.5 && !contained(element),
    );
    // Or whose content (a word, a field's inside) runs out of its own box past the right edge.
    const spilling = [...document.body.querySelectorAll('*')].filter(
      (element) =>
        !wide.includes(element) &&
        element.scrollWidth > element.clientWidth + 1 &&
        element.getBoundingClientRect().left + element.scrollWidth > root.clientWidth + 0.5 &&
        getComputedStyle(element).overflowX === 'visible' &&
        !contained(element),
    );
    const outermost = [...wide, ...spilling].filter(
      (element) => !wide.includes(element.parentElement!),
    );
    const describe = (element: Element) => {
      const name =
        element.tagName.toLowerCase() +
        (element.id === '' ? '' : `#${element.id}`) +
        (['name', 'type'] as const)
          .map((a) => (element.hasAttribute(a) ? `[${a}=${element.getAttribute(a)}]` : ''))
          .join('');
      const width = Math.round(element.getBoundingClientRect().width);
      return `${name}: ${width} px, "${(element.textContent ?? '').trim().slice(0, 40)}"`;
    };
    return [
      `scrollWidth ${root.scrollWidth} > ${root.clientWidth}`,
      ...outermost.slice(0, 5).map(describe),
    ];
  });
}
