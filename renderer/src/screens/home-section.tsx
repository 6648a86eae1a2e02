import type { SectionProps } from '../section.js';
import { SiteRenameForm } from './site-rename-form.js';

/** The home screen's content: the site, and renaming it for those allowed to. */
export function HomeSection({ site, can, failure, onSiteChanged }: SectionProps) {
  if (!can('site:read'))
    return <p>Your roles do not include seeing the site. Use the sections above for what they allow.</p>;
  if (!site) return null;
  return (
    <>
      <p className="subtitle">Time zone: {site.timeZone}</p>
      {can('settings:admin') ? (
        <SiteRenameForm site={site} onSaved={onSiteChanged} failure={failure} />
      ) : null}
    </>
  );
}
