// The home page's drop zone (Home.razor): the transparent <input type=file> inside it receives drops natively.
// This module adds what the browser does not: a "dragging" class while a file is over the zone, no navigation to
// the image when it is dropped beside the zone, an empty input after each file (so the same file runs again), and
// the way the photo's bytes reach the server (sendPhoto).

// Photos larger than this (bytes) are downscaled here before they are sent.
const LargeBytes = 1.5 * 1024 * 1024;
// Long side (pixels) of a downscaled photo: the detector works on 256 × 256, so this keeps every face it can find.
const MaxSide = 1600;

/**
 * Sends a photo's bytes to the page's .NET object: a photo of at most directBytes (GalleryLimits.MaxDirectPhotoBytes)
 * travels inside the call itself (dotnet.OnPhotoAsync(byte[]), one hub message, no round trip); a larger one as a
 * stream (dotnet.OnPasteAsync(stream, size)), which the server pulls in chunks and shows progress for.
 */
export async function sendPhoto(dotnet, bytes, directBytes) {
    // An empty file goes this way too: a stream of no bytes cannot be opened, and the server says the file is empty.
    if (bytes.length <= directBytes) {
        await dotnet.invokeMethodAsync('OnPhotoAsync', bytes);
    } else {
        await dotnet.invokeMethodAsync('OnPasteAsync', DotNet.createJSStreamReference(bytes), bytes.length);
    }
}

export function attach(zone, dotnet, directBytes) {
    const input = zone.querySelector('input[type=file]');
    let depth = 0;
    // A chosen or dropped file is read here and sent with sendPhoto, instead of Blazor's InputFile pulling it through
    // its stream protocol (several round trips before the search can start): this capture listener on the zone runs
    // before InputFile's own and stops it. A large photo (a phone's 12 MP) is first decoded and downscaled here (EXIF
    // orientation applied); a file the browser cannot decode goes as it is (the server says what is wrong with it).
    // A file over the server's upload limit that cannot be downscaled is still announced by its size first, so the
    // server refuses it before any byte moves.
    const chosen = async e => {
        const file = input && input.files && input.files[0];
        if (!dotnet || !file) {
            return;
        }
        e.stopPropagation();
        const bytes = file.size > LargeBytes ? await downscale(file) : new Uint8Array(await file.arrayBuffer());
        input.value = '';
        await sendPhoto(dotnet, bytes, directBytes);
    };
    zone.addEventListener('change', chosen, true);
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
            zone.removeEventListener('change', chosen, true);
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
