using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Corpus.Pages;

/// <summary>A Razor Pages handler (its view is omitted: the corpus is about the C#).</summary>
public sealed class FeedbackModel : PageModel
{
    private static readonly ConcurrentQueue<string> s_submissions = new();

    [BindProperty]
    public string Message { get; set; } = "";

    public int Pending => s_submissions.Count;

    public void OnGet()
    {
        Message = "";
    }

    public async Task<IActionResult> OnPostAsync()
    {
        s_submissions.Enqueue(Message); // LEAK: RES002
        await Task.Yield();
        return RedirectToPage();
    }
}
