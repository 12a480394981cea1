import { tick } from 'svelte';

/** What waits for its second step: removing a colleague, or approving their new passkey. */
export type PersonStep = { kind: 'remove' | 'recover'; personId: string };

/**
 * The consoles' two-step acts on a colleague (one at a time): the first step shows the sentence
 * saying what will happen and moves the focus to it, so that it is read first; Cancel (or Escape)
 * goes back to the button that asked. The sentence's element is `confirm-<personId>`, the buttons
 * `<kind>-<personId>` ({@link ColleaguesTable}).
 *
 * @example
 * ```ts
 * const step = new TwoStep();
 * await step.ask('remove', member.id);
 * ```
 */
export class TwoStep {
  current: PersonStep | undefined = $state();

  /** The first step for `personId`. */
  async ask(kind: PersonStep['kind'], personId: string): Promise<void> {
    this.current = { kind, personId };
    await tick();
    document.getElementById(`confirm-${personId}`)?.focus();
  }

  /** Not done after all: back to the button that asked. */
  async back(): Promise<void> {
    const asked = this.current;
    this.current = undefined;
    await tick();
    if (asked !== undefined) document.getElementById(`${asked.kind}-${asked.personId}`)?.focus();
  }

  /**
   * A key pressed in the second step: Escape does what its Cancel does (nothing while the act is
   * on its way, as Cancel then does nothing), the way a keyboard user leaves any such question
   * (WAI-ARIA APG, dialog pattern).
   */
  keydown(event: Pick<KeyboardEvent, 'key' | 'preventDefault'>, busy: boolean): void {
    if (event.key !== 'Escape' || busy || this.current === undefined) return;
    event.preventDefault();
    void this.back();
  }

  /** Done for `personId`: its step closes (one opened for another colleague meanwhile stays). */
  doneFor(personId: string): void {
    if (this.current?.personId === personId) this.current = undefined;
  }
}
