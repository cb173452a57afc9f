using System.Runtime.InteropServices;

namespace Lookalike.Faces.Decoding;

/// <summary>
/// A scratch pixel buffer in native memory, freed by <see cref="Dispose"/> the moment a decode no longer needs it.
/// </summary>
/// <remarks>
/// A 36 MP RGBA scratch is 144 MB. As a managed array it would sit on the large-object heap as garbage until a full
/// collection, so parallel near-limit decodes grow the process by far more than the pixels decoded at once; blocks of
/// this size are mapped by the C allocator on their own (glibc's mmap threshold is at most 32 MB) and unmapped on free,
/// so the memory goes back to the system at once.
/// </remarks>
internal sealed unsafe class NativePixelBuffer : IDisposable
{
    private byte* _pointer;

    /// <summary>Allocates <paramref name="length"/> bytes (not zeroed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="OutOfMemoryException">The allocation failed.</exception>
    public NativePixelBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, length));
        Length = length;
    }

    /// <summary>Size in bytes.</summary>
    public int Length { get; }

    /// <summary>Start of the buffer (for native decoders).</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public IntPtr Pointer => _pointer is null ? throw new ObjectDisposedException(nameof(NativePixelBuffer)) : (IntPtr)_pointer;

    /// <summary>The bytes.</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public Span<byte> Span => new((void*)Pointer, Length);

    /// <summary>Frees the memory; idempotent.</summary>
    public void Dispose()
    {
        var p = _pointer;
        _pointer = null;
        if (p is not null)
        {
            NativeMemory.Free(p);
        }
        GC.SuppressFinalize(this);
    }

    ~NativePixelBuffer() => Dispose();
}
