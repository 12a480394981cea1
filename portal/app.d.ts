import type { Locale } from '$protocol/i18n';

declare global {
  namespace App {
    interface Locals {
      locale: Locale;
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
