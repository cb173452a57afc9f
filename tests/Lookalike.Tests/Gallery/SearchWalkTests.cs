using Lookalike.Gallery;
using Lookalike.Gallery.Index;
using Lookalike.Gallery.Matching;
using Microsoft.Extensions.DependencyInjection;

namespace Lookalike.Tests.Gallery;

/// <summary>The explorer's model: the told walk of a traced search, and the 2-D map that places your photo.</summary>
public sealed class SearchWalkTests
{
    private const int Faces = 400;

    private static (ServiceProvider Services, GallerySnapshot Snapshot, List<float[]> Vectors) Gallery(Infrastructure.TempDirectory data)
    {
        var services = GalleryServices.Create(data.Path);
        var host = services.GetRequiredService<LiveGallery>();
        var random = new Random(11);
        var faces = Enumerable.Range(1, Faces)
            .Select(i => (new FaceRef(i, i, i, $"Person {i}"), Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()))
            .ToList();
        host.AddFaces(faces);
        return (services, host.Current, faces.Select(f => f.Item2).ToList());
    }

    [Fact]
    public void Run_Walk_OneStepPerExpansionThenDone_CountersAddUp()
    {
        using var data = new Infrastructure.TempDirectory();
        var (services, snapshot, vectors) = Gallery(data);
        using var _ = services;

        var walk = SearchWalk.Run(snapshot, vectors[123], 10, 32);

        Assert.Equal(walk.Trace.Layers.Sum(l => l.Path.Count) + 1, walk.Steps.Count);
        Assert.Equal(WalkStepKind.Entry, walk.Steps[0].Kind);
        Assert.Equal(walk.Trace.EntryPoint, walk.Steps[0].Face);
        Assert.Equal(WalkStepKind.Done, walk.Steps[^1].Kind);
        Assert.Equal(124L, walk.Steps[^1].Face); // a gallery face's own descriptor finds itself first
        Assert.Equal(walk.Trace.DistanceComputations, walk.Layers.Sum(l => l.DistanceComputations));
        var layer0 = walk.Trace.Layers[^1];
        // replaying layer 0's visited set gives every distance computation to exactly one expansion
        Assert.Equal(layer0.Visited.Where(v => v >= 0).ToHashSet(), walk.Steps.Where(s => s.Kind == WalkStepKind.Candidate || (s.Layer == 0 && s.Kind == WalkStepKind.Entry)).SelectMany(s => s.Computed).ToHashSet());
        foreach (var hop in walk.Steps.Where(s => s.Kind == WalkStepKind.Hop))
        {
            Assert.True(hop.Distance < walk.Distances[hop.From!.Value], "a greedy hop moves closer");
        }
        Assert.Equal(32, walk.EfSearch);
    }

    [Fact]
    public void Project_GalleryFacesOwnDescriptor_LandsOnItsPoint()
    {
        using var data = new Infrastructure.TempDirectory();
        var (services, snapshot, vectors) = Gallery(data);
        using var _ = services;
        var map = snapshot.Map2D();

        var (x, y) = map.Project(vectors[7].Select(v => v * 3f).ToArray()); // unnormalised: scaled first, as the gallery's are

        Assert.Equal(map.Points[8].X, x, 3);
        Assert.Equal(map.Points[8].Y, y, 3);
        Assert.Same(map.Points, snapshot.Projection2D());
    }
}
