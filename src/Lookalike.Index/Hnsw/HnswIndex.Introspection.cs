using System.Globalization;

namespace Lookalike.Index;

/// <summary>Introspection for the visualiser and the tuning page. Each call takes the label lock briefly and reads
/// the graph without stopping searches or inserts (a snapshot may mix before/after states of a concurrent insert).</summary>
public sealed partial class HnswIndex
{
    /// <summary>Live node count per layer, index 0 = layer 0 (= <see cref="Count"/>); a node of level L counts on
    /// layers 0…L. Empty for an empty index. O(n).</summary>
    public IReadOnlyList<int> GetLayerCounts()
    {
        var counts = new List<int>();
        lock (labelLock)
        {
            foreach (var id in labelToId.Values)
            {
                var level = store.Level(id);
                while (counts.Count <= level)
                {
                    counts.Add(0);
                }
                for (var l = 0; l <= level; l++)
                {
                    counts[l]++;
                }
            }
        }
        return counts;
    }

    /// <summary>Label of the entry point (the node on the top layer where every search starts); null when the index
    /// is empty or the entry node has been removed (it still routes searches until a higher node replaces it).</summary>
    public long? EntryPoint
    {
        get
        {
            var e = Volatile.Read(ref entry);
            if (e < 0)
            {
                return null;
            }
            var id = (int)e;
            return store.IsDeleted(id) ? null : store.Label(id);
        }
    }

    /// <summary>Top layer of the graph (the entry point's level); −1 when empty.</summary>
    public int MaxLayer
    {
        get
        {
            var e = Volatile.Read(ref entry);
            return e < 0 ? -1 : (int)(e >> 32);
        }
    }

    /// <summary>Highest layer that <paramref name="label"/> is linked on (0 = bottom layer only). O(1).</summary>
    /// <exception cref="KeyNotFoundException">The label is not in the index.</exception>
    public int GetLevel(long label)
    {
        lock (labelLock)
        {
            return store.Level(IdOf(label));
        }
    }

    /// <summary>Labels of the live neighbours of <paramref name="label"/> on <paramref name="layer"/>, in list order
    /// (at most 2·M on layer 0, M above; removed neighbours are left out). O(M).</summary>
    /// <exception cref="KeyNotFoundException">The label is not in the index.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative or above the node's level.</exception>
    public unsafe IReadOnlyList<long> GetNeighbors(long label, int layer)
    {
        lock (labelLock)
        {
            var id = IdOf(label);
            var level = store.Level(id);
            if (layer < 0 || layer > level)
            {
                throw new ArgumentOutOfRangeException(nameof(layer), layer,
                    string.Create(CultureInfo.InvariantCulture, $"label {label} is on layers 0…{level}"));
            }
            var links = store.Links(id, layer);
            var count = Math.Min(Volatile.Read(ref links[0]), layer == 0 ? m0 : m);
            var result = new List<long>(count);
            for (var j = 1; j <= count; j++)
            {
                var n = links[j];
                if (!store.IsDeleted(n))
                {
                    result.Add(store.Label(n));
                }
            }
            return result;
        }
    }

    /// <summary>Node id of a live label; caller holds the label lock.</summary>
    private int IdOf(long label) =>
        labelToId.TryGetValue(label, out var id)
            ? id
            : throw new KeyNotFoundException(string.Create(CultureInfo.InvariantCulture, $"label {label} is not in the index"));
}
