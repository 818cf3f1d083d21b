using Cronos;
using Resident.Generators.Declarations.CronJobs;
using Xunit;

namespace Resident.Analyzers.Tests;

/// <summary>
/// RES101's grammar against Cronos itself: for every expression the analyzer and the scheduler must give the same
/// verdict, and each list below holds what Cronos really does (the test fails if either side drifts).
/// </summary>
public sealed class CronGrammarTests
{
    public static TheoryData<string> Accepted => new()
    {
        "* * * * *",
        "*/5 * * * *",
        "0 0 * * *",
        "0 25 10 * * *",
        "0 */5 * * * *",
        "59 23 31 12 7",
        "0 0 1 1 0",
        "0,15,30,45 * * * *",
        "0-59/15 * * * *",
        "5/10 * * * *",
        "1-5,10-20/2,30 * * * *",
        "0 22-2 * * *",
        "0 0 ? * MON-FRI",
        "0 0 * JAN,mar,Dec *",
        "0 0 * jan-jun/2 sun",
        "0 12 L * *",
        "0 12 LW * *",
        "0 12 L-3 * *",
        "0 12 L-3W * *",
        "0 12 l-30w * *",
        "0 12 15W * *",
        "0 12 1w * *",
        "0 12 * * 5L",
        "0 12 * * FRIL",
        "0 12 * * 1#1",
        "0 12 * * MON#5",
        "0 12 * * 7#2",
        "  0   0  *  *  *  ",
        "0\t0\t*\t*\t*",
        "00 05 01 01 01",
        "* * * * * *",
        "*/59 * * * * *",
        "0 0 */31 * *",
        "0 0 * */12 *",
        "0 0 * * */7",
        "0 0 30 2 *",
        "? ? ? ? ?",
        "@yearly",
        "@annually",
        "@MONTHLY",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
        "@every_minute",
        "@every_second",
        "@daily  ",
        "@Every_Minute",
        "  @hourly",
    };

    public static TheoryData<string> Rejected => new()
    {
        "",
        "   ",
        "* * * *",
        "* * * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * 32 * *",
        "* * * 0 *",
        "* * * 13 *",
        "* * * * 8",
        "-1 * * * *",
        "001 * * * *",
        "*/0 * * * *",
        "*/60 * * * *",
        "* */24 * * *",
        "0 0 * */13 *",
        "0 0 * * */8",
        "*,5 * * * *",
        "5, * * * *",
        ",5 * * * *",
        "1-* * * * *",
        "1- * * * *",
        "5/ * * * *",
        "*/ * * * *",
        "a * * * *",
        "* * * JANUARY *",
        "* * * JAN-FOO *",
        "* * * * MONDAY",
        "* * * * FOO",
        "* * MON * *",
        "0 0 W * *",
        "0 0 15W,16 * *",
        "0 0 L,5 * *",
        "0 0 L-31 * *",
        "0 0 LX * *",
        "0 0 * * L",
        "0 0 * * 5L,3",
        "0 0 * * 1#0",
        "0 0 * * 1#6",
        "0 0 * * 1#",
        "0 0 * * #1",
        "0 0 * L *",
        "0 0 * * * 2024",
        "@",
        "@reboot",
        "@every_hour",
        "@dailyx",
        "@ daily",
        "@daily *",
        "@da\u0131ly",
        "@Daily\u00a0",
        "0 60 * * * *",
        "60 * * * * *",
        "0 0 24 * * *",
        "*/60 * * * * *",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Expression_Cronos_accepts_passes(string expression)
    {
        Assert.True(CronosAccepts(expression), $"Cronos rejects '{expression}'; move it to the rejected list.");
        Assert.Null(CronGrammar.Check(expression));
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Expression_Cronos_rejects_is_explained(string expression)
    {
        Assert.False(CronosAccepts(expression), $"Cronos accepts '{expression}'; move it to the accepted list.");
        var problem = CronGrammar.Check(expression);
        Assert.NotNull(problem);
        Assert.EndsWith(".", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("* 24 * * *", "its hour field needs a number from 0 to 23.")]
    [InlineData("* * * 13 *", "its month field needs a number from 1 to 12 or a name such as JAN.")]
    [InlineData("* * * * 8", "its day-of-week field needs a number from 0 to 7 or a name such as MON.")]
    [InlineData("*/0 * * * *", "in its minute field, the step after / must be a number from 1 to 59.")]
    [InlineData("0 0 * * 1#6", "in its day-of-week field, the week after # must be a number from 1 to 5.")]
    [InlineData("* * * *", "it ends after the month field; use five fields (minute hour day month weekday) or six with seconds first.")]
    public void Rejection_names_the_field_at_fault(string expression, string problem) =>
        Assert.Equal(problem, CronGrammar.Check(expression));

    // As CronScheduler.ParseExpression: six space-separated parts mean seconds first.
    private static bool CronosAccepts(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length;
        try
        {
            CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }
}
