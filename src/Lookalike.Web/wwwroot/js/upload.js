// The home page's drop zone (Home.razor): the transparent <input type=file> inside it receives drops natively.
// This module adds what the browser does not: a "dragging" class while a file is over the zone, no navigation to
// the image when it is dropped beside the zone, and an empty input after each file (so the same file runs again).

// Photos larger than this (bytes) are downscaled here before they are sent.
const LargeBytes = 1.5 * 1024 * 1024;
// Long side (pixels) of a downscaled photo: the detector works on 256 × 256, so this keeps every face it can find.
const MaxSide = 1600;

export function attach(zone, dotnet) {
    const input = zone.querySelector('input[type=file]');
    let depth = 0;
    // A large photo (a phone's 12 MP) is decoded and downscaled in the browser (EXIF orientation applied) and sent as
    // a JPEG through dotnet.OnPasteAsync, instead of Blazor's InputFile sending every byte: the capture listener on
    // the zone runs before InputFile's own and stops it. Small files, and files the browser cannot decode, go as
    // they are (the server says what is wrong with them).
    const large = async e => {
        const file = input && input.files && input.files[0];
        if (!dotnet || !file || file.size <= LargeBytes) {
            return;
        }
        e.stopPropagation();
        const bytes = await downscale(file);
        input.value = '';
        await dotnet.invokeMethodAsync('OnPasteAsync', DotNet.createJSStreamReference(bytes), bytes.length);
    };
    zone.addEventListener('change', large, true);
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
            zone.removeEventListener('change', large, true);
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

async function downscale(file) {
    try {
        const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
        const scale = Math.min(1, MaxSide / Math.max(bitmap.width, bitmap.height));
        const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
        canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        bitmap.close();
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
        return new Uint8Array(await blob.arrayBuffer());
    } catch {
        return new Uint8Array(await file.arrayBuffer()); // not decodable here: let the server say why
    }
}
