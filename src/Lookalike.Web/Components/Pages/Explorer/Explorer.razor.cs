using Lookalike.Index;
using Lookalike.Gallery.Index;
using Lookalike.Web.Services;
using Microsoft.AspNetCore.Components;

namespace Lookalike.Web.Components.Pages.Explorer;

public sealed partial class Explorer
{
    private const int GraphSize = 600;
    private const int Margin = 24;
    private const int MaxDrawnNodes = 1500;
    private int _layerTotal;
    private GallerySnapshot _snapshot = default!;
    private IReadOnlyList<int> _layerCounts = [];
    private IReadOnlyDictionary<long, (float X, float Y)> _points = new Dictionary<long, (float X, float Y)>();
    private int _layer;
    private List<long> _nodes = [];
    private List<(long A, long B)> _edges = [];
    private bool _thumbnails;
    private long? _selected;
    private SearchTrace? _trace;
    private List<(int Layer, long Node)> _steps = [];
    private int _step;
    private bool _playing;
    private CancellationTokenSource? _play;

    [Inject] private IGalleryIndex Index { get; set; } = default!;

    [Inject] private LookalikeSession Session { get; set; } = default!;

    private int CurrentTraceLayer => _step == 0 || _steps.Count == 0 ? _trace?.Layers.FirstOrDefault()?.Layer ?? 0 : _steps[Math.Min(_step, _steps.Count) - 1].Layer;

    private List<long> VisiblePath => _trace is null ? [] : _steps.Take(_step).Where(s => s.Layer == _layer).Select(s => s.Node).ToList();

    private IEnumerable<long> VisibleVisited => _trace is not null && _step >= _steps.Count
        ? _trace.Layers.Where(l => l.Layer == 0).SelectMany(l => l.Visited)
        : [];

    protected override void OnInitialized()
    {
        _snapshot = Index.Current;
        if (_snapshot.Count == 0)
        {
            return;
        }
        _layerCounts = _snapshot.GetLayerCounts();
        _points = _snapshot.Projection2D();
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
        var labels = _snapshot.GetLabels();
        _nodes = layer == 0 ? [.. labels] : labels.Where(l => _snapshot.GetLevel(l) >= layer).ToList();
        _layerTotal = _nodes.Count;
        if (_nodes.Count > MaxDrawnNodes)
        {
            // A large layer 0 is drawn as the trace's visited and path nodes (or an even sample) so the SVG stays small.
            var keep = _trace is null
                ? _nodes.Where((_, i) => i % (_nodes.Count / MaxDrawnNodes + 1) == 0).ToHashSet()
                : _trace.Layers.SelectMany(l => l.Visited.Concat(l.Path)).ToHashSet();
            if (_selected is { } sel)
            {
                keep.Add(sel);
            }
            _nodes = _nodes.Where(keep.Contains).ToList();
        }
        _thumbnails = _nodes.Count <= 30;
        _edges = [];
        if (_nodes.Count <= MaxDrawnNodes)
        {
            foreach (var node in _nodes)
            {
                foreach (var n in _snapshot.GetNeighbors(node, layer))
                {
                    if (node < n)
                    {
                        _edges.Add((node, n));
                    }
                }
            }
        }
    }

    private (string X, string Y) P(long label)
    {
        var (x, y) = _points.TryGetValue(label, out var p) ? p : (0.5f, 0.5f);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return ((Margin + x * (GraphSize - 2 * Margin)).ToString("0.#", inv), (Margin + y * (GraphSize - 2 * Margin)).ToString("0.#", inv));
    }

    private (string X, string Y) Off(long label)
    {
        var (x, y) = _points.TryGetValue(label, out var p) ? p : (0.5f, 0.5f);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return ((Margin + x * (GraphSize - 2 * Margin) - 16).ToString("0.#", inv), (Margin + y * (GraphSize - 2 * Margin) - 16).ToString("0.#", inv));
    }

    private string Name(long label) => _snapshot.Faces.TryGetValue(label, out var f) ? f.Person : "?";

    private string NodeClass(long id) =>
        id == _selected ? "node selected" : id == _snapshot.EntryPoint ? "node entry" : "node";

    private void SelectNode(long id) => _selected = id;

    private void Trace()
    {
        if (Session.SelectedFace < 0 || Session.SelectedFace >= Session.Faces.Count)
        {
            return;
        }
        _trace = _snapshot.SearchWithTrace(Session.Faces[Session.SelectedFace].Descriptor, Session.K, Session.EfSearch);
        _steps = _trace.Layers.SelectMany(l => l.Path.Select(n => (l.Layer, n))).ToList();
        _step = 0;
        ShowLayer(_trace.Layers.Count > 0 ? _trace.Layers[0].Layer : 0);
    }

    private void StepForward()
    {
        if (_trace is null || _step >= _steps.Count)
        {
            return;
        }
        _step++;
        var layer = _steps[_step - 1].Layer;
        if (layer != _layer)
        {
            ShowLayer(layer);
        }
    }

    private async Task PlayAsync()
    {
        if (_trace is null)
        {
            return;
        }
        _play?.Cancel();
        _play = new CancellationTokenSource();
        var token = _play.Token;
        _playing = true;
        _step = 0;
        ShowLayer(_steps.Count > 0 ? _steps[0].Layer : 0);
        try
        {
            while (_step < _steps.Count && !token.IsCancellationRequested)
            {
                StepForward();
                StateHasChanged();
                await Task.Delay(350, token);
            }
        }
        catch (OperationCanceledException)
        {
            // left the page
        }
        _playing = false;
    }

    public void Dispose()
    {
        _play?.Cancel();
        _play?.Dispose();
    }
}
