using Lookalike.Gallery;
using Lookalike.Gallery.Curation;
using Lookalike.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Lookalike.Web.Components.Pages.GalleryAdmin;

/// <summary>
/// The gallery browser on the admin Gallery page: a name search over the people with paging, the chosen person's photos,
/// and the curations of <see cref="GalleryCuration"/> (rename, merge into another person, delete a photo, delete the
/// person), each after a confirmation dialog. The page is admin-only; every action also checks the signed-in user on
/// the server before it changes anything.
/// </summary>
public sealed partial class GalleryBrowser
{
    /// <summary>People per page of the list.</summary>
    public const int PageSize = 20;

    private PeoplePage _page = new([], 0);
    private string? _query;
    private int _pageNumber = 1;
    private PersonRecord? _selected;
    private string? _newName;
    private PersonSummary? _mergeTarget;
    private string? _message;
    private bool _messageIsError;
    private bool _busy;
    private bool _interactive; // true once the circuit runs (tests wait for it before typing)

    [Inject] private IGalleryStore Store { get; set; } = default!;

    [Inject] private GalleryCuration Curation { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    private int PageCount => (_page.Total + PageSize - 1) / PageSize;

    private string PeopleCountText => _page.Total == 1 ? "1 person" : $"{_page.Total:N0} people";

    private static string PhotoCountText(int n) => n == 1 ? "1 photo" : $"{n} photos";

    private static string ThumbnailUrl(long faceId) => $"/api/faces/{faceId}/thumbnail";

    protected override void OnInitialized() => Load();

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    /// <summary>The controls are only rendered for the admin; this re-checks on the server before anything is changed.</summary>
    private async Task<bool> IsAdminAsync()
    {
        if (AuthenticationState is not null && (await AuthenticationState).User.IsAdmin())
        {
            return true;
        }
        Say("Only the admin may change the gallery.", error: true);
        return false;
    }

    private void Load()
    {
        _page = Store.FindPeople(_query, (_pageNumber - 1) * PageSize, PageSize);
        if (_page.People.Count == 0 && _pageNumber > 1)
        {
            _pageNumber = Math.Max(1, PageCount);
            _page = Store.FindPeople(_query, (_pageNumber - 1) * PageSize, PageSize);
        }
    }

    private void OnQueryChanged(string? query)
    {
        _query = query;
        _pageNumber = 1;
        Load();
    }

    private void GoToPage(int page)
    {
        _pageNumber = page;
        Load();
    }

    private void Select(long personId)
    {
        _message = null;
        Show(personId);
    }

    private void Show(long? personId)
    {
        _selected = personId is { } id ? Store.GetPerson(id) : null;
        _newName = _selected?.Name;
        _mergeTarget = null;
    }

    private Task<IEnumerable<PersonSummary>> SearchMergeTargetsAsync(string? text, CancellationToken cancellationToken)
    {
        var selected = _selected?.Id;
        IEnumerable<PersonSummary> people = Store.FindPeople(text, 0, 20).People.Where(p => p.Id != selected).ToList();
        return Task.FromResult(people);
    }

    private async Task<bool> ConfirmAsync(string title, string message, string yes)
    {
        var answer = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions { Title = title, Message = message, YesText = yes, CancelText = "Cancel" });
        return answer == true;
    }

    private async Task RenameAsync()
    {
        if (_selected is not { } person)
        {
            return;
        }
        if (GalleryCuration.CheckName(_newName) is { } refused)
        {
            Say(refused.Message, error: true);
            return;
        }
        var name = _newName!.Trim();
        if (!await ConfirmAsync("Rename", $"Rename “{person.Name}” to “{name}”? Search results show the new name at once.", "Rename") || !await IsAdminAsync())
        {
            return;
        }
        await RunAsync(() => Curation.Rename(person.Id, name), result => result.PersonId);
    }

    private async Task MergeAsync()
    {
        if (_selected is not { } person || _mergeTarget is not { } target)
        {
            return;
        }
        if (!await ConfirmAsync("Merge", $"Move all {PhotoCountText(person.Faces.Count)} of “{person.Name}” to “{target.Name}” and remove “{person.Name}”? This cannot be undone.", "Merge")
            || !await IsAdminAsync())
        {
            return;
        }
        await RunAsync(() => Curation.Merge(person.Id, target.Id), result => result.PersonId);
    }

    private async Task DeletePersonAsync()
    {
        if (_selected is not { } person)
        {
            return;
        }
        if (!await ConfirmAsync("Delete person", $"Delete “{person.Name}” and all {PhotoCountText(person.Faces.Count)} from the gallery? They leave search results at once. This cannot be undone.", "Delete")
            || !await IsAdminAsync())
        {
            return;
        }
        await RunAsync(() => Curation.DeletePerson(person.Id), _ => null);
    }

    private async Task DeleteFaceAsync(long faceId)
    {
        if (_selected is not { } person)
        {
            return;
        }
        if (!await ConfirmAsync("Delete photo", $"Delete this photo of “{person.Name}” from the gallery? It leaves search results at once. This cannot be undone.", "Delete")
            || !await IsAdminAsync())
        {
            return;
        }
        await RunAsync(() => Curation.DeleteFace(faceId), result => result.PersonId);
    }

    /// <summary>Runs a curation off the circuit's thread, says how it went, reloads the list and shows <paramref name="next"/>'s person.</summary>
    private async Task RunAsync(Func<CurationResult> action, Func<CurationResult, long?> next)
    {
        _busy = true;
        try
        {
            var result = await Task.Run(action);
            Say(result.Message, error: !result.Succeeded);
            Load();
            Show(result.Succeeded ? next(result) : _selected?.Id);
        }
        catch (IOException ex)
        {
            Say("The gallery changed, but the index file could not be saved (the next start rebuilds it): " + ex.Message, error: true);
            Load();
            Show(_selected?.Id);
        }
        finally
        {
            _busy = false;
        }
    }

    private void Say(string message, bool error)
    {
        _message = message;
        _messageIsError = error;
    }
}
