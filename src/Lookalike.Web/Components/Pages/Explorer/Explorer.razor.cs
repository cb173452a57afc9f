using System.Globalization;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Lookalike.Web.Services;
using Microsoft.AspNetCore.Components;

namespace Lookalike.Web.Components.Pages.Explorer;

public sealed partial class Explorer
{
    private const int GraphSize = 600;
    private const int Margin = 24;
    private const int MaxDrawnNodes = 1500;
    private const int MaxDrawnEdges = 4000;

    /// <summary>Play runs the whole walk in about this long, whatever its length (each step between the bounds below).</summary>
    private const int PlayMilliseconds = 5000;
    private const int MinStepMilliseconds = 30;
    private const int MaxStepMilliseconds = 400;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private int _layerTotal;
    private GallerySnapshot _snapshot = default!;
    private IReadOnlyList<int> _layerCounts = [];
    private IReadOnlyDictionary<long, (float X, float Y)> _points = new Dictionary<long, (float X, float Y)>();
    private int _layer;
    private List<long> _nodes = [];
    private List<(long A, long B)> _edges = [];
    private bool _edgesHidden;
    private bool _thumbnails;
    private int _version;
    private long? _selected;
    private int _selectedLevel = -1;
    private NodeDetails? _details;
    private ProbePlacement? _probe;
    private SearchWalk? _walk;
    private int _step;
    private bool _playing;
    private CancellationTokenSource? _play;

    [Inject] private IGalleryIndex Index { get; set; } = default!;

    [Inject] private LookalikeSession Session { get; set; } = default!;

    /// <summary>The step last taken; null before the first.</summary>
    private WalkStep? Current => _walk is null || _step == 0 ? null : _walk.Steps[_step - 1];

    /// <summary>The last step (the results) is on show.</summary>
    private bool Done => _walk is not null && _walk.Steps.Count > 0 && _step >= _walk.Steps.Count;

    private int CurrentLayer => Current?.Layer ?? _walk?.Trace.Layers.FirstOrDefault()?.Layer ?? 0;

    /// <summary>The steps taken so far on the layer on show (the Done step draws the results instead).</summary>
    private IEnumerable<WalkStep> ShownSteps => _walk is null
        ? []
        : _walk.Steps.Take(_step).Where(s => s.Layer == _layer && s.Kind != WalkStepKind.Done);

    private string LayerCaption
    {
        get
        {
            var nodes = _nodes.Count < _layerTotal
                ? F($"layer {_layer}: drawing {_nodes.Count} of {_layerTotal} nodes ({(_walk is null ? "an even sample" : "the ones this search touched, and an even sample")})")
                : F($"layer {_layer}: {_layerTotal} nodes");
            var links = _edgesHidden ? " · too many links to draw: the selected face's and the search's are drawn" : "";
            return nodes + links;
        }
    }

    protected override void OnInitialized()
    {
        _snapshot = Index.Current;
        if (_snapshot.Count == 0)
        {
            return;
        }
        _layerCounts = _snapshot.GetLayerCounts();
        var map = _snapshot.Map2D();
        _points = map.Points;
        if (Session.SelectedFace >= 0 && Session.SelectedFace < Session.Faces.Count)
        {
            var descriptor = Session.Faces[Session.SelectedFace].Descriptor;
            if (descriptor.Length == _snapshot.Dimension)
            {
                var (x, y) = map.Project(descriptor);
                var off = x is < -0.05f or > 1.05f || y is < -0.05f or > 1.05f;
                _probe = new ProbePlacement(descriptor, (Math.Clamp(x, -0.05f, 1.05f), Math.Clamp(y, -0.05f, 1.05f)), off);
            }
        }
        // Start on the highest layer that still has a handful of nodes to look at.
        var start = _layerCounts.Count - 1;
        while (start > 0 && _layerCounts[start] < 3)
        {
            start--;
        }
        ShowLayer(Math.Max(0, start));
    }

    private void ShowLayer(int layer)
    {
        _layer = layer;
        _version++;
        var labels = _snapshot.GetLabels();
        _nodes = layer == 0 ? [.. labels] : labels.Where(l => _snapshot.GetLevel(l) >= layer).ToList();
        _layerTotal = _nodes.Count;
        var sampled = _nodes.Count > MaxDrawnNodes;
        if (sampled)
        {
            // A large layer is drawn as an even sample plus what the trace touched, so the SVG stays small at 200k faces.
            var budget = _walk is null ? MaxDrawnNodes : MaxDrawnNodes / 2;
            var stride = _nodes.Count / budget + 1;
            var keep = _nodes.Where((_, i) => i % stride == 0).ToHashSet();
            if (_walk is not null)
            {
                keep.UnionWith(_walk.Trace.Layers.SelectMany(l => l.Visited.Concat(l.Path)));
                keep.UnionWith(_walk.Results);
            }
            if (_selected is { } sel)
            {
                keep.Add(sel);
            }
            if (_snapshot.EntryPoint is { } entry)
            {
                keep.Add(entry);
            }
            _nodes = _nodes.Where(keep.Contains).ToList();
        }
        _thumbnails = _nodes.Count <= 30;
        _edges = [];
        _edgesHidden = false;
        if (!sampled)
        {
            foreach (var node in _nodes)
            {
                foreach (var n in Links(node, layer))
                {
                    if (node < n)
                    {
                        _edges.Add((node, n));
                    }
                }
                if (_edges.Count > MaxDrawnEdges)
                {
                    break;
                }
            }
        }
        if (sampled || _edges.Count > MaxDrawnEdges)
        {
            _edges = [];
            _edgesHidden = true;
        }
    }

    /// <summary>A node's neighbours on a layer, each face once; none when the node is gone or not on that layer.</summary>
    private IReadOnlyList<long> Links(long face, int layer)
    {
        try
        {
            return _snapshot.GetNeighbors(face, layer).Distinct().ToList();
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentOutOfRangeException)
        {
            return [];
        }
    }

    private (string X, string Y) P(long label) => Shifted(label, 0, 0);

    private (string X, string Y) Shifted(long label, float dx, float dy)
    {
        var (x, y) = _points.TryGetValue(label, out var p) ? p : (0.5f, 0.5f);
        return Place(x, y, dx, dy);
    }

    private (string X, string Y) ProbePoint => _probe is { } p ? Place(p.Point.X, p.Point.Y, 0, 0) : ("0", "0");

    private static (string X, string Y) Place(float x, float y, float dx, float dy) =>
        ((Margin + x * (GraphSize - 2 * Margin) + dx).ToString("0.#", Inv), (Margin + y * (GraphSize - 2 * Margin) + dy).ToString("0.#", Inv));

    private static string Num(string value, float by) => (float.Parse(value, Inv) + by).ToString("0.#", Inv);

    private static string F(FormattableString s) => s.ToString(Inv);

    private string Name(long label) => _snapshot.Faces.TryGetValue(label, out var f) ? f.Person : "?";

    private void SelectNode(long id)
    {
        _selected = id;
        try
        {
            _selectedLevel = _snapshot.GetLevel(id);
        }
        catch (KeyNotFoundException)
        {
            _selectedLevel = -1;
            _details = null;
            return;
        }
        float? ToProbe(long face) => _probe is null ? null : _snapshot.DistanceTo(_probe.Descriptor, face);
        var layers = new List<(int Layer, IReadOnlyList<NeighbourInfo> Neighbours)>();
        for (var l = _selectedLevel; l >= 0; l--)
        {
            var neighbours = Links(id, l)
                .Select(n => new NeighbourInfo(n, _snapshot.Distance(id, n), ToProbe(n)))
                .OrderBy(n => n.ToNode ?? float.MaxValue)
                .ThenBy(n => n.Face)
                .ToList();
            layers.Add((l, neighbours));
        }
        _details = new NodeDetails(id, _selectedLevel, ToProbe(id), layers);
    }

    private void Trace()
    {
        if (_probe is null)
        {
            return;
        }
        _play?.Cancel();
        _walk = SearchWalk.Run(_snapshot, _probe.Descriptor, Session.K, Session.EfSearch);
        _step = 0;
        ShowLayer(_walk.Trace.Layers.Count > 0 ? _walk.Trace.Layers[0].Layer : 0);
    }

    private void StepForward()
    {
        if (_walk is null || _step >= _walk.Steps.Count)
        {
            return;
        }
        _step++;
        var layer = _walk.Steps[_step - 1].Layer;
        if (layer != _layer)
        {
            ShowLayer(layer);
        }
    }

    private void StepBack()
    {
        if (_walk is null || _step == 0)
        {
            return;
        }
        _step--;
        var layer = CurrentLayer;
        if (layer != _layer)
        {
            ShowLayer(layer);
        }
    }

    private async Task PlayOrStopAsync()
    {
        if (_walk is null)
        {
            return;
        }
        if (_playing)
        {
            _play?.Cancel();
            return;
        }
        _play?.Dispose();
        _play = new CancellationTokenSource();
        var token = _play.Token;
        _playing = true;
        if (_step >= _walk.Steps.Count)
        {
            _step = 0;
            ShowLayer(CurrentLayer);
        }
        var delay = Math.Clamp(PlayMilliseconds / Math.Max(1, _walk.Steps.Count), MinStepMilliseconds, MaxStepMilliseconds);
        try
        {
            while (_step < _walk.Steps.Count && !token.IsCancellationRequested)
            {
                StepForward();
                StateHasChanged();
                await Task.Delay(delay, token);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped, or left the page
        }
        _playing = false;
    }

    public void Dispose()
    {
        _play?.Cancel();
        _play?.Dispose();
    }

    /// <summary>Your photo on the map: its descriptor and its place by the gallery's PCA (clamped to just outside the map).</summary>
    private sealed record ProbePlacement(float[] Descriptor, (float X, float Y) Point, bool OffMap);

    /// <summary>A neighbour in the details panel: cosine distance to the selected face and to your photo.</summary>
    private sealed record NeighbourInfo(long Face, float? ToNode, float? ToProbe);

    /// <summary>The selected face, its distance to your photo, and its neighbours per layer, top layer first.</summary>
    private sealed record NodeDetails(long Face, int Level, float? ToProbe, IReadOnlyList<(int Layer, IReadOnlyList<NeighbourInfo> Neighbours)> Layers);
}
