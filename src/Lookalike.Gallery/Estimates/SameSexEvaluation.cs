using System.Globalization;
using Lookalike.Faces.AgeGender;
using Lookalike.Gallery.Index;

namespace Lookalike.Gallery.Estimates;

/// <summary>What the same-sex filter does to a gallery (<see cref="SameSexEvaluation.Run"/>).</summary>
/// <param name="People">People with at least the minimum number of faces estimated.</param>
/// <param name="PeopleFaces">Their faces.</param>
/// <param name="AgreeingFaces">Of those, faces whose estimated sex is the person's majority sex (uncertain faces count as disagreeing).</param>
/// <param name="UncertainFaces">Of those, faces estimated within 0.5 ± <see cref="AgeGenderEstimate.UncertainBand"/>.</param>
/// <param name="PeopleAllAgreeing">People all of whose faces read as the same sex.</param>
/// <param name="Probes">Gallery faces used as probes (clear sex; each against the gallery without its own person).</param>
/// <param name="ListsChanged">Probes whose top-<paramref name="TopPeople"/> people list changes with the filter.</param>
/// <param name="OtherSexInUnfiltered">Mean number of people of the other (or an unclear) sex in a probe's unfiltered list.</param>
/// <param name="TopPeople">The list length.</param>
public sealed record SameSexReport(int People, int PeopleFaces, int AgreeingFaces, int UncertainFaces, int PeopleAllAgreeing,
    int Probes, int ListsChanged, double OtherSexInUnfiltered, int TopPeople)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"""
        sex agreement: {People} people with their faces estimated, {PeopleFaces} faces; {AgreeingFaces} ({Share(AgreeingFaces, PeopleFaces):0.0} %) read as their person's majority sex, {UncertainFaces} ({Share(UncertainFaces, PeopleFaces):0.0} %) unclear; {PeopleAllAgreeing} people ({Share(PeopleAllAgreeing, People):0.0} %) read the same on every face
        top-{TopPeople} people lists: {Probes} probes (gallery faces of a clear sex, their own person left out), {ListsChanged} ({Share(ListsChanged, Probes):0.0} %) change with the same-sex filter; an unfiltered list holds {OtherSexInUnfiltered:0.00} people of another or unclear sex on average
        """);

    private static double Share(int part, int whole) => whole == 0 ? 0 : 100.0 * part / whole;
}

/// <summary>
/// Measures the same-sex filter on a gallery from its stored estimates: how consistently AgeGenderNet reads the sex
/// of each person with several faces, and how many top-k people lists the filter changes (exact search, each probe
/// face's own person left out, so every probe is a stranger to the gallery as a visitor is).
/// </summary>
public static class SameSexEvaluation
{
    /// <summary>Runs both measurements.</summary>
    /// <param name="snapshot">The live gallery (labels are face ids).</param>
    /// <param name="estimates">Stored estimates by face id (<see cref="IGalleryStore.GetEstimates"/>).</param>
    /// <param name="minFaces">People with at least this many estimated faces enter the agreement (≥ 2).</param>
    /// <param name="topPeople">Length of the people lists compared (1–50).</param>
    /// <param name="maxProbes">At most this many probes, spread evenly over the faces by id (≥ 1).</param>
    /// <param name="ct">Cancels between probes.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public static SameSexReport Run(GallerySnapshot snapshot, IReadOnlyDictionary<long, AgeGenderEstimate> estimates, int minFaces, int topPeople, int maxProbes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFaces, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(topPeople, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topPeople, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbes, 1);

        int people = 0, faces = 0, agreeing = 0, uncertain = 0, allAgree = 0;
        foreach (var group in snapshot.Faces.Values.Where(f => estimates.ContainsKey(f.FaceId)).GroupBy(f => f.PersonId))
        {
            var sexes = group.Select(f => estimates[f.FaceId].Sex).ToList();
            if (sexes.Count < minFaces)
            {
                continue;
            }
            var majority = sexes.Where(s => s != EstimatedSex.Unknown).GroupBy(s => s).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault(EstimatedSex.Unknown);
            var agree = sexes.Count(s => s == majority && s != EstimatedSex.Unknown);
            people++;
            faces += sexes.Count;
            agreeing += agree;
            uncertain += sexes.Count(s => s == EstimatedSex.Unknown);
            allAgree += agree == sexes.Count ? 1 : 0;
        }

        var candidates = snapshot.Faces.Keys.Where(id => estimates.TryGetValue(id, out var e) && e.Sex != EstimatedSex.Unknown).Order().ToList();
        var step = Math.Max(1, candidates.Count / maxProbes);
        int probes = 0, changed = 0;
        long otherSex = 0;
        for (var i = 0; i < candidates.Count && probes < maxProbes; i += step)
        {
            ct.ThrowIfCancellationRequested();
            var probeId = candidates[i];
            var vector = snapshot.VectorOf(probeId);
            if (vector is null)
            {
                continue;
            }
            var own = snapshot.Faces[probeId].PersonId;
            var sex = estimates[probeId].Sex;
            var ranked = snapshot.ExactSearch(vector, snapshot.Count, label => snapshot.Faces[label].PersonId != own);
            var plain = TopPeople(snapshot, ranked, topPeople, null);
            var filtered = TopPeople(snapshot, ranked, topPeople, id => !estimates.TryGetValue(id, out var e) || e.Sex == sex);
            probes++;
            changed += plain.Select(p => p.Person).SequenceEqual(filtered.Select(p => p.Person)) ? 0 : 1;
            otherSex += plain.Count(p => estimates.TryGetValue(p.Face, out var e) && e.Sex != sex);
        }
        return new SameSexReport(people, faces, agreeing, uncertain, allAgree, probes, changed, probes == 0 ? 0 : (double)otherSex / probes, topPeople);
    }

    /// <summary>The best face (id, person id) of each of the first <paramref name="count"/> distinct people in distance order.</summary>
    private static List<(long Face, long Person)> TopPeople(GallerySnapshot snapshot, IReadOnlyList<Lookalike.Index.Neighbor> ranked, int count, Func<long, bool>? keep)
    {
        var seen = new HashSet<long>();
        var best = new List<(long Face, long Person)>(count);
        foreach (var n in ranked)
        {
            if (keep is not null && !keep(n.Label))
            {
                continue;
            }
            var person = snapshot.Faces[n.Label].PersonId;
            if (seen.Add(person))
            {
                best.Add((n.Label, person));
                if (best.Count == count)
                {
                    break;
                }
            }
        }
        return best;
    }
}
