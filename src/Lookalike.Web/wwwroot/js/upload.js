// The home page's drop zone (Home.razor): the transparent <input type=file> inside it receives drops natively.
// This module adds what the browser does not: a "dragging" class while a file is over the zone, no navigation to
// the image when it is dropped beside the zone, and an empty input after each file (so the same file runs again).

export function attach(zone) {
    const input = zone.querySelector('input[type=file]');
    let depth = 0;
    const enter = e => { if (hasFiles(e)) { depth++; zone.classList.add('dragging'); } };
    const leave = () => { depth = Math.max(0, depth - 1); if (depth === 0) zone.classList.remove('dragging'); };
    const drop = () => { depth = 0; zone.classList.remove('dragging'); };
    // Outside the zone a dropped image would replace the page: refuse it there (the input handles its own drops).
    const guard = e => { if (hasFiles(e) && !zone.contains(e.target)) { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'none'; } };
    zone.addEventListener('dragenter', enter);
    zone.addEventListener('dragleave', leave);
    zone.addEventListener('drop', drop);
    window.addEventListener('dragover', guard);
    window.addEventListener('drop', guard);
    return {
        reset: () => { if (input) input.value = ''; },
        // Scrolls the results into view when their top is below the viewport (a phone after an upload).
        reveal: selector => {
            const target = document.querySelector(selector);
            if (target && target.getBoundingClientRect().top > window.innerHeight * 0.6) {
                target.scrollIntoView({ behavior: 'smooth', block: 'start' });
            }
        },
        dispose: () => {
            zone.removeEventListener('dragenter', enter);
            zone.removeEventListener('dragleave', leave);
            zone.removeEventListener('drop', drop);
            window.removeEventListener('dragover', guard);
            window.removeEventListener('drop', guard);
        },
    };
}

function hasFiles(e) {
    return !!e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
}

// Saves bytes streamed from .NET (a DotNetStreamReference) as a file download named `name`.
export async function download(name, streamRef) {
    const blob = new Blob([await streamRef.arrayBuffer()], { type: 'image/png' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
}
