// The narrow-screen menu (MainLayout's <details class="lk-nav-menu">): closes when a link in it is chosen, on a
// click elsewhere and on Escape, since Blazor's enhanced navigation keeps the layout (and the menu's open state).
document.addEventListener('click', e => {
    const menu = document.querySelector('.lk-nav-menu[open]');
    if (menu && (!menu.contains(e.target) || e.target.closest('a'))) {
        menu.removeAttribute('open');
    }
});
document.addEventListener('keydown', e => {
    const menu = document.querySelector('.lk-nav-menu[open]');
    if (menu && e.key === 'Escape') {
        menu.removeAttribute('open');
        menu.querySelector('summary')?.focus();
    }
});

// The visitor's light/dark choice (MainLayout's toggle), kept in this browser; null when never chosen.
window.lookalikeTheme = {
    get: () => { try { return localStorage.getItem('lookalike.theme'); } catch { return null; } },
    set: value => { try { localStorage.setItem('lookalike.theme', value); } catch { /* private mode */ } },
};
