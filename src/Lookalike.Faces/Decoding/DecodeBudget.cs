namespace Lookalike.Faces.Decoding;

/// <summary>
/// A budget of pixels decoded at once, shared by the decodes of one <see cref="ImageDecoder"/> (in the app: the one
/// pipeline's): each decode holds its header-declared pixel count (width × height) from before its pixel buffers exist
/// until they are released, and waits while the budget cannot hold it. N parallel near-limit decodes therefore queue
/// instead of multiplying memory (3 bytes per pixel each for the RGB result, plus one RGBA row or, for formats decoded
/// whole, a native RGBA frame freed at once).
/// </summary>
/// <remarks>
/// <para>First come, first served: a waiting request is not overtaken by smaller ones that would fit, so a large image is
/// never starved. Waiting blocks the calling thread (decoding is synchronous CPU work). Thread-safe.</para>
/// <para>Bounding what is held is not enough: a released image's pixels are a dead large-object-heap array until the
/// next full collection, and the GC's large-object budget (hundreds of MB under server GC) lets several of them pile
/// up. So a large acquisition (≥ <see cref="CollectAbovePixels"/>), once granted, first runs a blocking, non-compacting
/// gen-2 collection when at least as many pixels were released since the last one — the managed counterpart of
/// <see cref="GC.AddMemoryPressure"/>: dead near-limit images do not pile up beside the live ones. Measured with
/// five parallel 36 MP uploads in <c>ParallelUploadMemoryTests</c>.</para>
/// </remarks>
public sealed class DecodeBudget
{
    private readonly object _gate = new();
    private long _inUse;
    private int _holders;
    private long _nextTicket;
    private long _serving;
    private long _peakInUse;
    private int _peakHolders;
    private long _releasedSinceCollect;
    private int _collections;

    /// <summary>Acquisitions of at least this many pixels (16 MP: above the 12 MP of a phone photo, so ordinary imports never collect) may first collect the pixels released before them (see remarks).</summary>
    public const long CollectAbovePixels = 16_000_000;

    /// <summary>Creates a budget.</summary>
    /// <param name="capacityPixels">Pixels that may be decoded at once, ≥ 1 (e.g. 2 × <see cref="FaceOptions.MaxMegapixels"/> × 10⁶).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacityPixels"/> is below 1.</exception>
    public DecodeBudget(long capacityPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityPixels, 1);
        CapacityPixels = capacityPixels;
    }

    /// <summary>Pixels that may be decoded at once.</summary>
    public long CapacityPixels { get; }

    /// <summary>Pixels held right now, in [0, <see cref="CapacityPixels"/>].</summary>
    public long PixelsInUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse;
            }
        }
    }

    /// <summary>Decodes holding part of the budget right now.</summary>
    public int Holders
    {
        get
        {
            lock (_gate)
            {
                return _holders;
            }
        }
    }

    /// <summary>Requests waiting for the budget right now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return (int)(_nextTicket - _serving);
            }
        }
    }

    /// <summary>Most pixels held at once since creation (tests and diagnostics).</summary>
    internal long PeakPixelsInUse
    {
        get
        {
            lock (_gate)
            {
                return _peakInUse;
            }
        }
    }

    /// <summary>Most holders at once since creation (tests and diagnostics).</summary>
    /// <summary>Full collections this budget ran to reclaim released pixels (see remarks).</summary>
    public int Collections
    {
        get
        {
            lock (_gate)
            {
                return _collections;
            }
        }
    }

    internal int PeakHolders
    {
        get
        {
            lock (_gate)
            {
                return _peakHolders;
            }
        }
    }

    /// <summary>Takes <paramref name="pixels"/> from the budget, waiting (in arrival order) until they are free.</summary>
    /// <param name="pixels">Pixels to hold, in [0, <see cref="CapacityPixels"/>].</param>
    /// <returns>The lease; disposing it gives the pixels back (once).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pixels"/> is negative or above <see cref="CapacityPixels"/> (it could never be granted).</exception>
    public Lease Acquire(long pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pixels);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixels, CapacityPixels);
        bool collect;
        lock (_gate)
        {
            var ticket = _nextTicket++;
            while (ticket != _serving || _inUse + pixels > CapacityPixels)
            {
                Monitor.Wait(_gate);
            }
            _serving++;
            _inUse += pixels;
            _holders++;
            _peakInUse = Math.Max(_peakInUse, _inUse);
            _peakHolders = Math.Max(_peakHolders, _holders);
            Monitor.PulseAll(_gate); // the next in line may fit too
            collect = pixels >= CollectAbovePixels && _releasedSinceCollect >= CollectAbovePixels;
            if (collect)
            {
                _releasedSinceCollect = 0;
                _collections++;
            }
        }
        if (collect)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);
        }
        return new Lease(this, pixels);
    }

    private void Release(long pixels)
    {
        lock (_gate)
        {
            _inUse -= pixels;
            _holders--;
            _releasedSinceCollect += pixels;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Pixels held from a <see cref="DecodeBudget"/>; <see cref="Dispose"/> gives them back.</summary>
    public sealed class Lease : IDisposable
    {
        private DecodeBudget? _budget;

        internal Lease(DecodeBudget budget, long pixels)
        {
            _budget = budget;
            Pixels = pixels;
        }

        /// <summary>Pixels held.</summary>
        public long Pixels { get; }

        /// <summary>Gives the pixels back to the budget; later calls do nothing.</summary>
        public void Dispose() => Interlocked.Exchange(ref _budget, null)?.Release(Pixels);
    }
}
