using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Lookalike.Index.Hnsw;
using Lookalike.Index.Spaces;
using Lookalike.Index.Validation;

namespace Lookalike.Index;

/// <summary>Search: Algorithm 5 (K-NN-SEARCH): greedy descent through the upper layers, then Algorithm 2
/// (SEARCH-LAYER) with ef candidates on layer 0.</summary>
public sealed partial class HnswIndex
{
    /// <summary>The k nearest live vectors to <paramref name="query"/>, sorted by distance then label.</summary>
    /// <param name="query">Query of length <see cref="Dimension"/> (normalised internally under cosine).</param>
    /// <param name="k">Neighbours wanted, ≥ 1; more than <see cref="Count"/> returns <see cref="Count"/> results.</param>
    /// <param name="efSearch">Candidate list size (recall/speed knob), at most <see cref="HnswOptions.MaxEfSearch"/>;
    /// ≤ 0 uses <see cref="HnswOptions.DefaultEfSearch"/>, below k is raised to k (under <see cref="Quantization.Int8"/>
    /// the walk keeps max(ef + k/2, 2·k) candidates, the pool its exact re-ranking chooses from).</param>
    /// <param name="filter">Optional label predicate; rejected labels are still walked through but never returned.</param>
    /// <returns>min(k, live count) neighbours (fewer only when <paramref name="filter"/> rejects the rest); empty for an
    /// empty index. Cost ~O(ef · M0 · log n) distance computations; allocates only the result array.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0, or efSearch above <see cref="HnswOptions.MaxEfSearch"/>.</exception>
    /// <exception cref="ArgumentException">Wrong length, a non-finite component, or under cosine a query that cannot be
    /// normalised to a finite unit vector (zero, or squared norm underflowing float32).</exception>
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch = 0, Func<long, bool>? filter = null) =>
        Search(query, k, efSearch, filter, out _);

    /// <summary>As <see cref="Search(ReadOnlySpan{float}, int, int, Func{long, bool}?)"/>, also returning the search's counters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0, or efSearch above <see cref="HnswOptions.MaxEfSearch"/>.</exception>
    /// <exception cref="ArgumentException">Wrong length, a non-finite component, or under cosine a query that cannot be
    /// normalised to a finite unit vector (zero, or squared norm underflowing float32).</exception>
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, int efSearch, Func<long, bool>? filter, out SearchStats stats)
    {
        VectorGuard.CheckK(k);
        VectorGuard.CheckEfSearch(efSearch);
        VectorGuard.CheckVector(query, dimension, metric, null, nameof(query));
        var tracer = default(NoTracer);
        var sc = Run(query, k, efSearch, filter, ref tracer, out _);
        if (sc is null)
        {
            stats = default;
            return [];
        }
        var result = new Neighbor[sc.Results.Count];
        Drain(sc, result);
        stats = new SearchStats(sc.DistanceCount, sc.HopCount, sc.VisitCount);
        sc.Return();
        GC.KeepAlive(this); // the native records must outlive every pointer this search derived from them
        return result;
    }

    /// <summary>Allocation-free search: writes up to <c>destination.Length</c> (= k) neighbours, sorted by distance then
    /// label, and returns how many were written.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="destination"/> is empty, or <paramref name="efSearch"/>
    /// above <see cref="HnswOptions.MaxEfSearch"/>.</exception>
    /// <exception cref="ArgumentException">Wrong length, a non-finite component, or under cosine a query that cannot be
    /// normalised to a finite unit vector (zero, or squared norm underflowing float32).</exception>
    public int Search(ReadOnlySpan<float> query, Span<Neighbor> destination, int efSearch = 0, Func<long, bool>? filter = null)
    {
        var k = destination.Length;
        VectorGuard.CheckK(k);
        VectorGuard.CheckEfSearch(efSearch);
        VectorGuard.CheckVector(query, dimension, metric, null, nameof(query));
        var tracer = default(NoTracer);
        var sc = Run(query, k, efSearch, filter, ref tracer, out _);
        if (sc is null)
        {
            return 0;
        }
        var n = sc.Results.Count;
        Drain(sc, destination[..n]);
        sc.Return();
        GC.KeepAlive(this);
        return n;
    }

    /// <summary>A search that also records its walk: for each layer from the top down, the nodes whose distance was
    /// computed (in order), the expanded nodes and the counters. Same results as a plain search; slower and allocating,
    /// meant for the visualiser, not the hot path (the plain path is compiled without the recording).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> ≤ 0, or efSearch above <see cref="HnswOptions.MaxEfSearch"/>.</exception>
    /// <exception cref="ArgumentException">Wrong length, a non-finite component, or under cosine a query that cannot be
    /// normalised to a finite unit vector (zero, or squared norm underflowing float32).</exception>
    public SearchTrace SearchWithTrace(ReadOnlySpan<float> query, int k, int efSearch = 0)
    {
        VectorGuard.CheckK(k);
        VectorGuard.CheckEfSearch(efSearch);
        VectorGuard.CheckVector(query, dimension, metric, null, nameof(query));
        var tracer = new RecordingTracer();
        var sc = Run(query, k, efSearch, null, ref tracer, out var e);
        if (sc is null)
        {
            return new SearchTrace([], [], null, 0);
        }
        var result = new Neighbor[sc.Results.Count];
        Drain(sc, result);
        var total = sc.DistanceCount;
        sc.Return();
        GC.KeepAlive(this);

        var top = (int)(e >> 32);
        var layers = new List<LayerTrace>(top + 1);
        for (var l = top; l >= 0; l--)
        {
            var visited = new List<long>();
            var path = new List<long>();
            foreach (var (layer, id, isHop) in tracer.Events)
            {
                if (layer == l)
                {
                    (isHop ? path : visited).Add(LiveLabelOrMinusOne(id));
                }
            }
            layers.Add(new LayerTrace(l, visited, path, path.Count, visited.Count));
        }
        return new SearchTrace(result, layers, store.Label((int)e), total);
    }

    /// <summary>Runs a search into the thread's scratch (results left in its max-heap, trimmed to k).
    /// Returns null for an empty index; otherwise the caller returns the scratch. The one switch from the index's
    /// space to the search code compiled for it.</summary>
    private SearchScratch? Run<TTracer>(ReadOnlySpan<float> query, int k, int efSearch, Func<long, bool>? filter, ref TTracer tracer, out long e)
        where TTracer : struct, ISearchTracer => space switch
        {
            SpaceKind.SquaredL2 => Run<SquaredL2Space, TTracer>(query, k, efSearch, filter, ref tracer, out e),
            SpaceKind.Cosine => Run<CosineSpace, TTracer>(query, k, efSearch, filter, ref tracer, out e),
            SpaceKind.Int8Cosine => Run<Int8CosineSpace, TTracer>(query, k, efSearch, filter, ref tracer, out e),
            _ => Run<InnerProductSpace, TTracer>(query, k, efSearch, filter, ref tracer, out e),
        };

    private unsafe SearchScratch? Run<TSpace, TTracer>(ReadOnlySpan<float> query, int k, int efSearch, Func<long, bool>? filter, ref TTracer tracer, out long e)
        where TSpace : struct, IVectorSpace
        where TTracer : struct, ISearchTracer
    {
        e = Volatile.Read(ref entry);
        if (e < 0)
        {
            return null;
        }
        var ef = Math.Max(efSearch <= 0 ? Options.DefaultEfSearch : efSearch, k);
        if (TSpace.IsQuantized)
        {
            // The re-ranking needs a choice: at ef = k it could only reorder the codes' top k (recall@10 0.87 against
            // float's 0.92 on the clustered test set); a pool of 2·k recovers float recall (FAISS IndexRefine's k_factor).
            // Above that the walk on codes still ends a little short of float's at the same ef (LFW descriptors, ef 20:
            // recall@10 0.940 against 0.948; 1M clustered: 0.756 against 0.778): k/2 more candidates keep it within
            // 0.005 of float (0.958 on LFW), at the cost of those candidates.
            ef = Math.Min(Math.Max(ef + (k / 2), RerankPoolFactor * k), HnswOptions.MaxEfSearch);
        }
        var sc = SearchScratch.Rent(store.Capacity, queryBytes);
        try
        {
            // The query as the walk compares it, in the scratch's 64-byte aligned buffer (no 512-bit load of it
            // straddles two cache lines): encoded (normalised under cosine, copied as it is otherwise), or under int8
            // the exact normalised query for the re-ranking at x and its prepared int16 form for the walk.
            var q = sc.QueryPointer;
            var x = sc.QueryPointer + exactOffset;
            if (TSpace.IsQuantized)
            {
                VectorSpaces.Encode(exactSpace, query, x);
                TSpace.PrepareQuery(new ReadOnlySpan<float>(x, dimension), q);
            }
            else
            {
                TSpace.Encode(query, q);
            }
            sc.DistanceCount = 0;
            sc.HopCount = 0;
            sc.VisitCount = 0;
            var cur = (int)e;
            var top = (int)(e >> 32);
            var curD = TSpace.QueryDistance(q, store.Vector(cur), dimension);
            sc.DistanceCount++;
            tracer.Distance(top, cur);
            for (var l = top; l > 0; l--)
            {
                Greedy<TSpace, TTracer>(q, ref cur, ref curD, l, sc, ref tracer);
            }
            var exhaustive = filter is not null || Volatile.Read(ref deletedSlots) > 0;
            SearchLayer<TSpace, TTracer>(q, cur, curD, 0, ef, sc, filter, -1, exhaustive, ref tracer);
            if (TSpace.IsQuantized)
            {
                Rerank(x, k, sc);
            }
            while (sc.Results.Count > k)
            {
                sc.Results.Pop();
            }
            return sc;
        }
        catch
        {
            sc.Return();
            throw;
        }
    }

    /// <summary>A quantised search keeps at least this many times k candidates on layer 0 for the re-ranking.</summary>
    private const int RerankPoolFactor = 2;

    /// <summary>Re-ranks a quantised search's ef results on the exact vectors (FAISS's <c>IndexRefine</c> step, over the
    /// HNSW result list): every result's distance is recomputed from <paramref name="exactQuery"/> and its exact vector,
    /// and the <paramref name="k"/> best stay in <c>sc.Results</c>. ef exact distance computations (not counted in
    /// <see cref="SearchStats"/>, which counts the graph walk). The one switch to the exact space.</summary>
    private unsafe void Rerank(byte* exactQuery, int k, SearchScratch sc)
    {
        switch (exactSpace)
        {
            case SpaceKind.SquaredL2: Rerank<SquaredL2Space>(exactQuery, k, sc); break;
            case SpaceKind.Cosine: Rerank<CosineSpace>(exactQuery, k, sc); break;
            default: Rerank<InnerProductSpace>(exactQuery, k, sc); break;
        }
    }

    private unsafe void Rerank<TExact>(byte* exactQuery, int k, SearchScratch sc)
        where TExact : struct, IVectorSpace
    {
        var res = sc.Results;
        var n = res.Count;
        sc.EnsureWork(n);
        var work = sc.Work;
        var ex = exact!;
        for (var i = 0; i < n; i++)
        {
            work[i] = res.Pop();
            if (Sse.IsSupported)
            {
                // The exact vectors live apart from the records just walked: start all their cache misses at once.
                var v = ex.Vector(work[i].Id);
                Sse.Prefetch0(v);
                Sse.Prefetch0(v + 64);
            }
        }
        for (var i = 0; i < n; i++)
        {
            var id = work[i].Id;
            var d = TExact.Distance(exactQuery, ex.Vector(id), dimension);
            if (res.Count < k)
            {
                res.Push(d, id);
            }
            else if (d < res.Top.Distance)
            {
                res.Pop();
                res.Push(d, id);
            }
        }
    }

    /// <summary>Moves the scratch's results into <paramref name="destination"/> sorted by (distance, label).</summary>
    private void Drain(SearchScratch sc, Span<Neighbor> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            var c = sc.Results.Pop();
            destination[i] = new Neighbor(store.Label(c.Id), c.Distance);
        }
        // Heap order is by distance only; fix the order of equal distances by label (insertion sort: n = k, nearly sorted).
        for (var i = 1; i < destination.Length; i++)
        {
            var x = destination[i];
            var j = i - 1;
            while (j >= 0 && (destination[j].Distance > x.Distance || (destination[j].Distance == x.Distance && destination[j].Label > x.Label)))
            {
                destination[j + 1] = destination[j];
                j--;
            }
            destination[j + 1] = x;
        }
    }

    /// <summary>Greedy walk on an upper layer (Algorithm 2 with ef = 1): move to the closest neighbour while it improves.
    /// <paramref name="q"/> is a prepared query (<see cref="IVectorSpace.PrepareQuery"/>), as for
    /// <see cref="SearchLayer{TSpace, TTracer}"/>.</summary>
    private unsafe void Greedy<TSpace, TTracer>(byte* q, ref int cur, ref float curD, int layer, SearchScratch sc, ref TTracer tracer)
        where TSpace : struct, IVectorSpace
        where TTracer : struct, ISearchTracer
    {
        var changed = true;
        while (changed)
        {
            changed = false;
            sc.HopCount++;
            tracer.Hop(layer, cur);
            var links = store.Links(cur, layer);
            var count = Math.Min(Volatile.Read(ref links[0]), m);
            for (var j = 1; j <= count; j++)
            {
                var n = links[j];
                if ((uint)n >= (uint)sc.TagCount)
                {
                    continue; // added after this search sized its visited set: not ours to visit
                }
                var d = TSpace.QueryDistance(q, store.Vector(n), dimension);
                sc.DistanceCount++;
                tracer.Distance(layer, n);
                if (d < curD)
                {
                    curD = d;
                    cur = n;
                    changed = true;
                }
            }
        }
    }

    /// <summary>Algorithm 2 (SEARCH-LAYER), as hnswlib's <c>searchBaseLayer</c>: best-first expansion from
    /// <paramref name="ep"/> keeping the <paramref name="ef"/> best accepted nodes in <c>sc.Results</c>.
    /// Removed nodes, <paramref name="exclude"/> and labels the filter rejects are walked through but not accepted.
    /// With <paramref name="exhaustive"/> the walk stops only once ef results are held (needed when nodes can be
    /// rejected). Each expansion marks the unvisited neighbours and prefetches their vectors first, then computes the
    /// distances, so the neighbours' cache misses overlap instead of being paid one after another.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void SearchLayer<TSpace, TTracer>(byte* q, int ep, float epD, int layer, int ef, SearchScratch sc, Func<long, bool>? filter, int exclude, bool exhaustive, ref TTracer tracer)
        where TSpace : struct, IVectorSpace
        where TTracer : struct, ISearchTracer
    {
        var tag = sc.NextEpoch();
        var tags = sc.Tags;
        var tagCount = (uint)sc.TagCount;
        var cand = sc.Candidates;
        var res = sc.Results;
        var st = store;
        cand.Clear();
        res.Clear();
        var maxLinks = layer == 0 ? m0 : m;
        var visits = 1;
        var distances = 0;
        var pending = sc.Pending;
        var anyDeleted = Volatile.Read(ref deletedSlots) > 0;

        tags[ep] = tag;
        var lower = float.MaxValue;
        if (Accept(ep, filter, exclude, anyDeleted))
        {
            res.Push(epD, ep);
            lower = epD;
        }
        cand.Push(epD, ep);

        while (cand.Count > 0)
        {
            var c = cand.Top;
            if (c.Distance > lower && (res.Count >= ef || !exhaustive))
            {
                break;
            }
            cand.Pop();
            sc.HopCount++;
            tracer.Hop(layer, c.Id);

            // Pass 1: mark the unvisited neighbours and prefetch their vectors, so that all their cache misses are
            // in flight together (memory-level parallelism) before pass 2 computes the distances in order.
            var links = st.Links(c.Id, layer);
            var count = Math.Min(Volatile.Read(ref links[0]), maxLinks);
            var fresh = 0;
            for (var j = 1; j <= count; j++)
            {
                var n = links[j];
                if ((uint)n >= tagCount || tags[n] == tag)
                {
                    continue;
                }
                tags[n] = tag;
                pending[fresh++] = n;
                if (Sse.IsSupported)
                {
                    var nv = st.Record(n);
                    Sse.Prefetch0(nv);
                    Sse.Prefetch0(nv + 64);
                }
            }
            visits += fresh;

            // Pass 2: distances and heap updates.
            for (var j = 0; j < fresh; j++)
            {
                var n = pending[j];
                var d = TSpace.QueryDistance(q, st.Vector(n), dimension);
                distances++;
                tracer.Distance(layer, n);
                if (res.Count < ef || d < lower)
                {
                    cand.Push(d, n);
                    if (Accept(n, filter, exclude, anyDeleted))
                    {
                        res.Push(d, n);
                        if (res.Count > ef)
                        {
                            res.Pop();
                        }
                    }
                    if (res.Count > 0)
                    {
                        lower = res.Top.Distance;
                    }
                }
            }
            if (Sse.IsSupported && layer == 0 && cand.Count > 0)
            {
                // The next candidate to expand: fetch its link list while the loop condition is evaluated.
                Sse.Prefetch0(st.Links(cand.Top.Id, layer));
            }
        }
        sc.VisitCount += visits;
        sc.DistanceCount += distances;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Accept(int id, Func<long, bool>? filter, int exclude, bool anyDeleted) =>
        id != exclude && (!anyDeleted || !store.IsDeleted(id)) && (filter is null || filter(store.Label(id)));

    private long LiveLabelOrMinusOne(int id) => store.IsDeleted(id) ? -1 : store.Label(id);
}
