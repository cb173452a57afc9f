using Lookalike.Faces.Decoding;
using SkiaSharp;

namespace Lookalike.Faces.Tests;

/// <summary>The budget of pixels decoded at once: parallel decodes beyond it queue; an image up to the per-image limit always decodes.</summary>
public sealed class DecodeBudgetTests
{
    private const int Side = 500; // 0.25 megapixels

    [Fact]
    public async Task Acquire_BeyondTheCapacity_WaitsUntilAHolderReleases()
    {
        // Arrange: two holders fill the budget
        var budget = new DecodeBudget(2 * Side * Side);
        var a = budget.Acquire(Side * Side);
        var b = budget.Acquire(Side * Side);

        // Act: a third request queues (observed through Waiting, not through time)
        var third = Task.Run(() => budget.Acquire(Side * Side));
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 1, TimeSpan.FromMinutes(1)), "the request never queued");
        var completedWhileFull = third.IsCompleted;
        a.Dispose();
        using var c = await third;

        // Assert
        Assert.False(completedWhileFull);
        Assert.Equal(2, budget.Holders);
        Assert.Equal(2L * Side * Side, budget.PixelsInUse);
        b.Dispose();
        Assert.Equal(Side * Side, budget.PixelsInUse);
    }

    [Fact]
    public void Acquire_LargeAfterLargeReleases_CollectsOnceAndSmallNever()
    {
        // Arrange
        const long Large = DecodeBudget.CollectAbovePixels;
        var budget = new DecodeBudget(2 * Large);

        // Act / Assert: the first large image finds nothing released; the second finds the first's pixels released
        budget.Acquire(Large).Dispose();
        Assert.Equal(0, budget.Collections);
        using (budget.Acquire(Large))
        {
            Assert.Equal(1, budget.Collections);
        }
        // small images never collect, however many were released
        for (var i = 0; i < 100; i++)
        {
            budget.Acquire(Large / 2).Dispose();
        }
        Assert.Equal(1, budget.Collections);
        // a large one after them does: their pixels add up
        budget.Acquire(Large).Dispose();
        Assert.Equal(2, budget.Collections);
    }

    [Fact]
    public async Task Acquire_SmallAfterAWaitingLargeRequest_DoesNotOvertakeIt()
    {
        // Arrange: 3 of 4 units held; a request for 2 waits
        var budget = new DecodeBudget(4);
        var held = budget.Acquire(3);
        var large = Task.Run(() => budget.Acquire(2));
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 1, TimeSpan.FromMinutes(1)), "the request never queued");

        // Act: a request for 1 would fit, but arrives after the large one
        var small = Task.Run(() => budget.Acquire(1));
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 2, TimeSpan.FromMinutes(1)), "the request never queued");
        var smallOvertook = small.IsCompleted;
        held.Dispose();
        using var l = await large;
        using var s = await small;

        // Assert
        Assert.False(smallOvertook);
        Assert.Equal(3, budget.PixelsInUse);
    }

    [Fact]
    public void Acquire_MoreThanTheCapacity_Throws()
    {
        // Arrange
        var budget = new DecodeBudget(10);

        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => budget.Acquire(11));
    }

    [Fact]
    public void Lease_DisposedTwice_ReleasesOnce()
    {
        // Arrange
        var budget = new DecodeBudget(10);
        using var other = budget.Acquire(4);
        var lease = budget.Acquire(5);

        // Act
        lease.Dispose();
        lease.Dispose();

        // Assert
        Assert.Equal(4, budget.PixelsInUse);
        Assert.Equal(1, budget.Holders);
    }

    [Fact]
    public async Task Decode_WhileTheBudgetIsFull_QueuesAndThenDecodes()
    {
        // Arrange: a budget of twice the per-image limit, of which other decodes hold all but less than one image
        var options = new FaceOptions { MaxMegapixels = 0.25 };
        var budget = new DecodeBudget(options.DecodeBudgetPixels);
        var decoder = new ImageDecoder(options, budget);
        var png = Png(Side, Side);
        var others = budget.Acquire(budget.CapacityPixels - (Side * Side) + 1);

        // Act
        var decode = Task.Run(() => decoder.Decode(png));
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 1, TimeSpan.FromMinutes(1)), "the request never queued");
        var completedWhileFull = decode.IsCompleted;
        others.Dispose();
        var image = await decode;

        // Assert: it waited for the header-declared pixels, decoded, and gave them back
        Assert.False(completedWhileFull);
        Assert.Equal((Side, Side), (image.Width, image.Height));
        Assert.Equal(0, budget.PixelsInUse);
    }

    [Fact]
    public async Task Decode_ParallelNearLimitImages_NeverHoldMoreThanTheBudget()
    {
        // Arrange: 6 decodes of an image at the per-image limit against a budget of 2 images; the test holds the whole
        // budget until all 6 are queued, so they compete for it at once
        var options = new FaceOptions { MaxMegapixels = 0.25 };
        var decoder = new ImageDecoder(options);
        var budget = decoder.Budget;
        var png = Png(Side, Side);
        var gate = budget.Acquire(budget.CapacityPixels);

        // Act
        var decodes = Enumerable.Range(0, 6).Select(_ => Task.Run(() => decoder.Decode(png))).ToArray();
        Assert.True(SpinWait.SpinUntil(() => budget.Waiting == 6, TimeSpan.FromMinutes(1)), "the request never queued");
        gate.Dispose();
        var images = await Task.WhenAll(decodes);

        // Assert: never more than two images' pixels held at once (counted by the budget at every grant), all decoded
        Assert.Equal(budget.CapacityPixels, budget.PeakPixelsInUse); // the gate
        Assert.InRange(budget.PeakHolders, 1, 2);
        Assert.All(images, i => Assert.Equal((Side, Side), (i.Width, i.Height)));
        Assert.Equal(0, budget.PixelsInUse);
        Assert.Equal(0, budget.Holders);
    }

    [Fact]
    public void Decode_ImageAtThePerImageLimit_DecodesWithABudgetOfExactlyOneImage()
    {
        // Arrange: the smallest budget allowed is the per-image limit itself
        var options = new FaceOptions { MaxMegapixels = 0.25, DecodeBudgetMegapixels = 0.25 };
        options.Validate();
        var decoder = new ImageDecoder(options);

        // Act
        var image = decoder.Decode(Png(Side, Side));

        // Assert
        Assert.Equal((Side, Side), (image.Width, image.Height));
        Assert.Equal(Side * Side, decoder.Budget.CapacityPixels);
    }

    [Fact]
    public void Validate_BudgetBelowThePerImageLimit_Throws()
    {
        // Arrange
        var options = new FaceOptions { MaxMegapixels = 40, DecodeBudgetMegapixels = 39.9 };

        // Act
        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        // Assert
        Assert.Equal(nameof(FaceOptions.DecodeBudgetMegapixels), ex.ParamName);
    }

    [Fact]
    public void DecodeBudget_Default_IsTwiceThePerImageLimit()
    {
        // Act
        var decoder = new ImageDecoder(new FaceOptions());

        // Assert
        Assert.Equal(80_000_000, decoder.Budget.CapacityPixels);
    }

    private static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(90, 120, 150));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("Skia could not encode the PNG");
        return data.ToArray();
    }
}
