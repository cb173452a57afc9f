using System.Runtime.CompilerServices;
using Lookalike.Index.Hnsw;
using Lookalike.Index.Spaces;

namespace Lookalike.Index;

/// <summary>Insertion: Algorithm 1 (INSERT) with Algorithm 4 (SELECT-NEIGHBORS-HEURISTIC) for linking and pruning.</summary>
public sealed partial class HnswIndex
{
    /// <summary>Inserts one validated vector. <paramref name="level"/> is used for a fresh slot; a reused slot keeps its level.</summary>
    private unsafe void Insert(long label, ReadOnlySpan<float> vector, int level)
    {
        gate.EnterShared();
        try
        {
            // Encode outside the label lock (normalisation under cosine), into the scratch's pinned buffer.
            SearchScratch? tmp = SearchScratch.Rent(0, queryBytes);
            try
            {
                ReadOnlySpan<byte> exactForm = default;
                if (exact is null)
                {
                    VectorSpaces.Encode(space, vector, tmp.QueryPointer);
                }
                else
                {
                    // Quantised: the exact form first (normalised), then the codes from it.
                    var x = tmp.QueryPointer + exactOffset;
                    VectorSpaces.Encode(exactSpace, vector, x);
                    VectorSpaces.Quantize(space, new ReadOnlySpan<float>(x, dimension), tmp.QueryPointer);
                    exactForm = tmp.QuerySpan(exactOffset, exactBytes);
                }
                ReadOnlySpan<byte> stored = tmp.QuerySpan(0, vectorBytes);

                int id;
                bool reused;
                lock (labelLock)
                {
                    if (labelToId.Remove(label, out var old))
                    {
                        store.SetDeleted(old, true);
                        freeSlots.Push(old);
                        liveCount--;
                        deletedSlots++;
                    }
                    if (freeSlots.TryPop(out id))
                    {
                        reused = true;
                        level = store.Level(id);
                        exact?.Write(id, exactForm);
                        store.Rewrite(id, stored, label);
                        store.SetDeleted(id, false);
                        // After the rewrite: a search that sees no deleted slots must not meet a half-reused one.
                        Volatile.Write(ref deletedSlots, deletedSlots - 1);
                    }
                    else
                    {
                        reused = false;
                        id = nodeCount;
                        store.EnsureCapacity(id);
                        if (exact is not null)
                        {
                            exact.EnsureCapacity(id);
                            exact.Write(id, exactForm);
                        }
                        store.Initialise(id, stored, label, level, deleted: false);
                        if (level > 0)
                        {
                            upperBytes += 24 + (level * (m + 1) * sizeof(int));
                        }
                        Volatile.Write(ref nodeCount, id + 1);
                    }
                    labelToId[label] = id;
                    liveCount++;
                }
                tmp.Return();
                tmp = null;
                Link(id, level, reused);
            }
            finally
            {
                tmp?.Return();
            }
        }
        finally
        {
            gate.ExitShared();
            GC.KeepAlive(this);
        }
    }

    /// <summary>Connects node <paramref name="id"/> (its vector already stored) into every layer ≤ its level.
    /// The one switch from the index's space to the insertion code compiled for it.</summary>
    private void Link(int id, int level, bool reused)
    {
        switch (space)
        {
            case SpaceKind.SquaredL2: Link<SquaredL2Space>(id, level, reused); break;
            case SpaceKind.Cosine: Link<CosineSpace>(id, level, reused); break;
            case SpaceKind.Int8Cosine: Link<Int8CosineSpace>(id, level, reused); break;
            default: Link<InnerProductSpace>(id, level, reused); break;
        }
    }

    private unsafe void Link<TSpace>(int id, int level, bool reused)
        where TSpace : struct, IVectorSpace
    {
        var e = Volatile.Read(ref entry);
        if (e < 0)
        {
            lock (entryLock)
            {
                e = entry;
                if (e < 0)
                {
                    Volatile.Write(ref entry, PackEntry(id, level));
                    return;
                }
            }
        }

        // A node that raises the top layer links and becomes the entry point under elevationLock; the entry point is read
        // again under it, since another raise may have finished meanwhile (then this node links on its layers normally).
        var elevating = false;
        if (level > (int)(e >> 32))
        {
            elevationLock.Enter();
            e = Volatile.Read(ref entry);
            elevating = level > (int)(e >> 32);
            if (!elevating)
            {
                elevationLock.Exit();
            }
        }
        try
        {
            LinkFrom<TSpace>(id, level, reused, e);
        }
        finally
        {
            if (elevating)
            {
                elevationLock.Exit();
            }
        }
    }

    private unsafe void LinkFrom<TSpace>(int id, int level, bool reused, long e)
        where TSpace : struct, IVectorSpace
    {
        var ep = (int)e;
        var maxL = (int)(e >> 32);
        if (ep == id && SlotCount == 1)
        {
            return;
        }

        var sc = SearchScratch.Rent(store.Capacity, queryBytes);
        try
        {
            var q = store.Vector(id);
            if (TSpace.IsQuantized)
            {
                // The walk compares the new node's prepared form (from its exact vector), as a search does its query.
                q = sc.QueryPointer;
                TSpace.PrepareQuery(new ReadOnlySpan<float>(exact!.Vector(id), dimension), q);
            }
            var cur = ep;
            var curD = TSpace.QueryDistance(q, store.Vector(cur), dimension);
            var tracer = default(NoTracer);
            for (var l = maxL; l > level; l--)
            {
                Greedy<TSpace, NoTracer>(q, ref cur, ref curD, l, sc, ref tracer);
            }

            Span<Candidate> selected = stackalloc Candidate[m];
            for (var l = Math.Min(level, maxL); l >= 0; l--)
            {
                SearchLayer<TSpace, NoTracer>(q, cur, curD, l, efConstruction, sc, null, id, exhaustive: true, ref tracer);
                var n = sc.Results.Count;
                if (n == 0)
                {
                    continue;
                }
                sc.EnsureWork(n + 1);
                fixed (Candidate* work = sc.Work)
                fixed (Candidate* kept = sc.Kept)
                {
                    for (var i = n - 1; i >= 0; i--)
                    {
                        work[i] = sc.Results.Pop();
                    }
                    if (TSpace.IsQuantized)
                    {
                        // The walk found the candidates on codes; they are chosen on exact distances (LinkDistance).
                        var x = LinkVector<TSpace>(id);
                        for (var i = 0; i < n; i++)
                        {
                            work[i] = new Candidate(LinkDistance<TSpace>(x, LinkVector<TSpace>(work[i].Id), dimension), work[i].Id);
                        }
                        SortAscending(work, n);
                    }
                    var k = SelectNeighbors<TSpace>(work, n, kept, m);
                    new Span<Candidate>(kept, k).CopyTo(selected);
                    SetOwnLinks<TSpace>(id, l, selected[..k], merge: !reused, sc);
                    for (var i = 0; i < k; i++)
                    {
                        AddBackLink<TSpace>(selected[i].Id, id, selected[i].Distance, l, sc);
                    }
                    cur = selected[0].Id;
                    curD = TSpace.IsQuantized ? TSpace.QueryDistance(q, store.Vector(cur), dimension) : selected[0].Distance;
                }
            }
        }
        finally
        {
            sc.Return();
        }

        if (level > maxL)
        {
            lock (entryLock)
            {
                if (level > (int)(entry >> 32))
                {
                    Volatile.Write(ref entry, PackEntry(id, level));
                }
            }
        }
    }

    /// <summary>The vector that neighbour selection compares for node <paramref name="id"/>: under quantisation its exact
    /// copy, otherwise its stored vector. A quantised graph is linked on exact distances and walked on codes (Qdrant
    /// likewise builds its graph on the original vectors). Linked on codes, the heuristic (Algorithm 4) compared a
    /// candidate's distance to the new node's int16 query with code-to-code distances between candidates, and inside
    /// clusters about one rounding step wide the code-to-code ones read smaller (codes that nearly coincide carry their
    /// rounding error on both sides; the distance is clamped at 0), so it pruned most links there: at M 16, 2,500 32-D
    /// points in 25 such clusters left 17 to 124 nodes with no in-link on layer 0 (<c>HnswInt8Tests</c>). The cost is a
    /// float read of the exact copies during builds only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe byte* LinkVector<TSpace>(int id)
        where TSpace : struct, IVectorSpace =>
        TSpace.IsQuantized ? exact!.Vector(id) : store.Vector(id);

    /// <summary>The distance neighbour selection uses between two <see cref="LinkVector{TSpace}"/> vectors: the exact
    /// space's (cosine, the one metric quantisation takes) under quantisation, else the index's own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float LinkDistance<TSpace>(byte* a, byte* b, int dimension)
        where TSpace : struct, IVectorSpace =>
        TSpace.IsQuantized ? CosineSpace.Distance(a, b, dimension) : TSpace.Distance(a, b, dimension);

    /// <summary>Algorithm 4 without the extend/keep-pruned options (as hnswlib's <c>getNeighborsByHeuristic2</c>):
    /// walks <paramref name="sorted"/> (ascending distance to the base element) and keeps a candidate only when it is
    /// closer to the base than to every candidate already kept, up to <paramref name="max"/>.
    /// Fewer than <paramref name="max"/> candidates are all kept. O(n · max) distance computations.</summary>
    /// <remarks><b>Ties (duplicates).</b> The paper's test is strict (drop c when d(c, kept) &lt; d(c, base)), so
    /// identical vectors never prune one another: a copy is exactly as close to another copy as to the base, so all of
    /// them survive, and a group of hundreds of copies ends up linked only to itself, a sink that traps greedy search
    /// (issue 15: recall@10 0.90 instead of 1.00). As Qdrant's fix for the same sink (qdrant/qdrant#10239), the test is
    /// non-strict between candidates exactly as far from the base as a kept one (d(kept, base) = d(c, base) and
    /// d(c, kept) ≤ d(c, base)): of a group of identical vectors a list keeps one, and the other slots go to distinct
    /// directions. For distinct vectors such ties have measure zero, so the heuristic is otherwise the paper's.</remarks>
    private unsafe int SelectNeighbors<TSpace>(Candidate* sorted, int n, Candidate* kept, int max)
        where TSpace : struct, IVectorSpace
    {
        if (n < max)
        {
            for (var i = 0; i < n; i++)
            {
                kept[i] = sorted[i];
            }
            return n;
        }
        var k = 0;
        for (var i = 0; i < n && k < max; i++)
        {
            var c = sorted[i];
            var cv = LinkVector<TSpace>(c.Id);
            var good = true;
            for (var j = 0; j < k; j++)
            {
                var between = LinkDistance<TSpace>(cv, LinkVector<TSpace>(kept[j].Id), dimension);
                if (between < c.Distance || (between == c.Distance && kept[j].Distance == c.Distance))
                {
                    good = false;
                    break;
                }
            }
            if (good)
            {
                kept[k++] = c;
            }
        }
        return k;
    }

    /// <summary>Writes the new node's own list on a layer. A fresh node's list can already hold back-links that
    /// concurrent inserts added after finding it on a higher layer; those are merged and re-selected, not lost.</summary>
    private unsafe void SetOwnLinks<TSpace>(int id, int layer, ReadOnlySpan<Candidate> selected, bool merge, SearchScratch sc)
        where TSpace : struct, IVectorSpace
    {
        var max = layer == 0 ? m0 : m;
        store.Enter(id);
        try
        {
            var links = store.Links(id, layer);
            var existing = links[0];
            if (!merge || existing == 0)
            {
                for (var i = 0; i < selected.Length; i++)
                {
                    links[1 + i] = selected[i].Id;
                }
                Volatile.Write(ref links[0], selected.Length);
                return;
            }

            sc.EnsureWork(selected.Length + existing + 1);
            fixed (Candidate* work = sc.Work)
            fixed (Candidate* kept = sc.Kept)
            {
                var n = 0;
                foreach (var s in selected)
                {
                    work[n++] = s;
                }
                var v = LinkVector<TSpace>(id);
                for (var i = 0; i < existing; i++)
                {
                    var other = links[1 + i];
                    if (!selected.ContainsId(other))
                    {
                        work[n++] = new Candidate(LinkDistance<TSpace>(v, LinkVector<TSpace>(other), dimension), other);
                    }
                }
                SortAscending(work, n);
                var k = SelectNeighbors<TSpace>(work, n, kept, max);
                for (var i = 0; i < k; i++)
                {
                    links[1 + i] = kept[i].Id;
                }
                Volatile.Write(ref links[0], k);
            }
        }
        finally
        {
            store.Exit(id);
        }
    }

    /// <summary>Adds the reverse edge <paramref name="target"/> → <paramref name="newId"/>; when the list is full,
    /// re-selects it with the heuristic over the old links plus the new one (hnswlib's pruning).</summary>
    private unsafe void AddBackLink<TSpace>(int target, int newId, float distance, int layer, SearchScratch sc)
        where TSpace : struct, IVectorSpace
    {
        var max = layer == 0 ? m0 : m;
        store.Enter(target);
        try
        {
            var links = store.Links(target, layer);
            var count = links[0];
            for (var i = 0; i < count; i++)
            {
                if (links[1 + i] == newId)
                {
                    return;
                }
            }
            if (count < max)
            {
                links[1 + count] = newId;
                Volatile.Write(ref links[0], count + 1);
                return;
            }

            sc.EnsureWork(count + 1);
            fixed (Candidate* work = sc.Work)
            fixed (Candidate* kept = sc.Kept)
            {
                var v = LinkVector<TSpace>(target);
                work[0] = new Candidate(distance, newId);
                for (var i = 0; i < count; i++)
                {
                    var other = links[1 + i];
                    work[i + 1] = new Candidate(LinkDistance<TSpace>(v, LinkVector<TSpace>(other), dimension), other);
                }
                SortAscending(work, count + 1);
                var k = SelectNeighbors<TSpace>(work, count + 1, kept, max);
                for (var i = 0; i < k; i++)
                {
                    links[1 + i] = kept[i].Id;
                }
                Volatile.Write(ref links[0], k);
            }
        }
        finally
        {
            store.Exit(target);
        }
    }

    /// <summary>Insertion sort by (distance, id); lists here hold at most 2·M + M + 1 items.</summary>
    private static unsafe void SortAscending(Candidate* a, int n)
    {
        for (var i = 1; i < n; i++)
        {
            var x = a[i];
            var j = i - 1;
            while (j >= 0 && (a[j].Distance > x.Distance || (a[j].Distance == x.Distance && a[j].Id > x.Id)))
            {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }
}
