import type { ComponentChildren } from 'preact';
import { DemoLinksMenu } from './demo-links.js';
import type { DemoLink } from './model.js';
import type { Route } from './router.js';

export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="currentColor" />
      <circle cx="16" cy="12" r="5" fill="#fff" />
      <path d="M7 26c1.5-5 5-7.5 9-7.5s7.5 2.5 9 7.5" fill="#fff" />
    </svg>
  );
}

export function Shell({
  route,
  appId,
  demoLinks,
  onSignOut,
  children,
}: {
  route: Route;
  appId: string;
  demoLinks: DemoLink[];
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const tab = route.page === 'charts' ? 'charts' : 'users';
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href="#/users">
          <Logo />
          <span>Idem</span>
        </a>
        <nav class="tabs" aria-label="Main">
          <a href="#/users" class={tab === 'users' ? 'active' : ''} aria-current={tab === 'users' ? 'page' : undefined}>
            Users
          </a>
          <a href="#/charts" class={tab === 'charts' ? 'active' : ''} aria-current={tab === 'charts' ? 'page' : undefined}>
            Charts
          </a>
        </nav>
        <div class="topbar-right">
          <DemoLinksMenu links={demoLinks} />
          <span class="app-pill" title="App id">
            <span class="dot" aria-hidden="true" />
            {appId}
          </span>
          <button type="button" class="btn btn-ghost" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main class="content">{children}</main>
    </div>
  );
}
