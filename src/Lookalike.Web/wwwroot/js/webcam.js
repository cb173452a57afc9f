import { sendPhoto } from './upload.js';

// Webcam and clipboard capture for the home page. Frames go to .NET as streams (IJSStreamReference),
// never as base64 strings, so they never hit SignalR's 32 KB message limit.

/** What the browser allows: a secure context and the media-devices API. */
export function support() {
    return {
        secure: window.isSecureContext === true,
        hasApi: !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
    };
}

/** Starts the camera into <video>. Returns { ok, error, message } with error one of insecure, denied, none, busy, other. */
export async function start(video) {
    const s = support();
    if (!s.secure) {
        return { ok: false, error: "insecure", message: "Camera needs HTTPS (or localhost)." };
    }
    if (!s.hasApi) {
        return { ok: false, error: "none", message: "This browser has no camera support." };
    }
    try {
        const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false });
        video.srcObject = stream;
        await video.play();
        return { ok: true, error: null, message: null };
    } catch (e) {
        const name = e && e.name;
        if (name === "NotAllowedError" || name === "SecurityError") {
            return { ok: false, error: "denied", message: "Camera access was blocked — allow the camera for this site and try again." };
        }
        if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
            return { ok: false, error: "none", message: "No camera was found." };
        }
        if (name === "NotReadableError" || name === "AbortError") {
            return { ok: false, error: "busy", message: "The camera is in use by another application." };
        }
        return { ok: false, error: "other", message: "The camera could not be started (" + (name || e) + ")." };
    }
}

/** Stops the camera. */
export function stop(video) {
    const stream = video && video.srcObject;
    if (stream) {
        stream.getTracks().forEach(t => t.stop());
        video.srcObject = null;
    }
}

/** Grabs the current frame, downscaled so its longer side is at most maxSide, as JPEG bytes (returned as a stream to .NET). */
export async function capture(video, maxSide, quality) {
    const w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) {
        return new Uint8Array(0);
    }
    const scale = Math.min(1, maxSide / Math.max(w, h));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise(resolve => canvas.toBlob(resolve, "image/jpeg", quality));
    return new Uint8Array(await blob.arrayBuffer());
}

/** Forwards images pasted anywhere on the page to the page's .NET object (upload.js sendPhoto). Returns a handle for unregisterPaste. */
export function registerPaste(dotnet, directBytes) {
    const handler = async (event) => {
        const items = (event.clipboardData && event.clipboardData.items) || [];
        for (const item of items) {
            if (item.kind === "file" && item.type.startsWith("image/")) {
                const file = item.getAsFile();
                event.preventDefault();
                const bytes = new Uint8Array(await file.arrayBuffer());
                await sendPhoto(dotnet, bytes, directBytes);
                return;
            }
        }
    };
    document.addEventListener("paste", handler);
    return { dispose: () => document.removeEventListener("paste", handler) };
}

export function unregisterPaste(handle) {
    if (handle) {
        handle.dispose();
    }
}
