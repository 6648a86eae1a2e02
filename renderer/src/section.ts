import type { ComponentType } from 'react';
import type { common } from './i18n/common.js';
import type { Permission } from '../../app/contract/permissions.js';
import type { Session } from './screens/login-screen.js';
import type { Site } from './screens/site-rename-form.js';

/** What the console shell gives every section. */
export interface SectionProps {
  session: Session;
  /** The site, once read (undefined while loading or without site:read). */
  site: Site | undefined;
  /** Whether the operator's roles grant a permission (to hide what they cannot do). */
  can: (permission: Permission) => boolean;
  /**
   * Words for a failed call, to show where it happened. When the session no longer serves (ended, or
   * a password change is due) it leaves for the right screen instead and returns undefined.
   */
  failure: (err: unknown) => string | undefined;
  /** A site the section saved or read, newer than the shell's. */
  onSiteChanged: (site: Site) => void;
  /** The fresh session the service started (after the operator changed their password). */
  onSessionRenewed: (session: Session) => void;
}

/** One entry of the console's navigation and the screen it opens. */
export interface Section {
  /** The route: `#/<id>`. */
  id: string;
  /** Its name in the navigation: a key of the common strings' `nav`. */
  label: keyof (typeof common)['en']['nav'];
  /** The screen's heading, when it says more than the label: a key of the common strings' `titles`. */
  title?: keyof (typeof common)['en']['titles'];
  /** Shown only to operators whose roles grant it; none: everyone. */
  permission?: Permission;
  Component: ComponentType<SectionProps>;
}
