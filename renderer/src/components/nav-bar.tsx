/** One entry of the console's navigation. */
export interface NavItem {
  id: string;
  label: string;
}

/** The console's sections as links (hash routes), the current one marked for assistive tech. */
export function NavBar({ items, current }: { items: readonly NavItem[]; current: string }) {
  return (
    <nav className="nav" aria-label="Console sections">
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <a href={`#/${item.id}`} aria-current={item.id === current ? 'page' : undefined}>
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
