using System;
using System.Linq;

namespace Resident.Generators.Declarations.CronJobs;

/// <summary>
/// The grammar Cronos 0.13 accepts, checked without Cronos (an analyzer cannot load it): five fields, or six with
/// seconds first when the expression has six space-separated parts (as <c>CronScheduler.ParseExpression</c> chooses), or
/// a macro. Numbers have one or two digits; months and weekdays also take three-letter names; <c>*</c> and <c>?</c> with an
/// optional <c>/step</c>; <c>a</c>, <c>a-b</c>, <c>a/step</c>, <c>a-b/step</c> (a reversed range wraps) in comma lists; the
/// day of month also <c>L</c>, <c>L-n</c>, <c>LW</c>, <c>L-nW</c> and <c>nW</c>; the weekday also <c>nL</c> and <c>n#k</c>.
/// </summary>
internal static class CronGrammar
{
    private static readonly string[] MonthNames = { "", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC" };
    private static readonly string[] DayNames = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };
    private static readonly string[] Macros = { "ANNUALLY", "YEARLY", "MONTHLY", "WEEKLY", "DAILY", "MIDNIGHT", "HOURLY", "EVERY_MINUTE", "EVERY_SECOND" };

    private static readonly Field Second = new("second", 0, 59, null);
    private static readonly Field Minute = new("minute", 0, 59, null);
    private static readonly Field Hour = new("hour", 0, 23, null);
    private static readonly Field DayOfMonth = new("day-of-month", 1, 31, null);
    private static readonly Field Month = new("month", 1, 12, MonthNames);
    private static readonly Field DayOfWeek = new("day-of-week", 0, 7, DayNames);

    /// <summary>Null when the scheduler accepts <paramref name="expression"/>; otherwise why it does not, as a sentence.</summary>
    public static string? Check(string expression)
    {
        var reader = new Reader(expression);
        reader.SkipBlanks();
        if (reader.Accept('@'))
        {
            // Cronos upper-cases ASCII letters only.
            var macro = new string(expression.Substring(reader.Position).TrimEnd(' ', '\t')
                .Select(c => c >= 'a' && c <= 'z' ? (char)(c - 32) : c).ToArray());
            return Array.IndexOf(Macros, macro) >= 0
                ? null
                : "it is not a macro Cronos knows (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every_minute, @every_second).";
        }

        try
        {
            if (CountFields(expression) == 6)
            {
                ParseField(ref reader, Second);
                ParseBlank(ref reader, Second);
            }

            ParseField(ref reader, Minute);
            ParseBlank(ref reader, Minute);
            ParseField(ref reader, Hour);
            ParseBlank(ref reader, Hour);
            ParseDayOfMonth(ref reader);
            ParseBlank(ref reader, DayOfMonth);
            ParseField(ref reader, Month);
            ParseBlank(ref reader, Month);
            ParseDayOfWeek(ref reader);
            reader.SkipBlanks();
            if (!reader.AtEnd)
            {
                throw new CronError(
                    $"it has an unexpected '{reader.Current}' after the day-of-week field; use five fields (minute hour day month weekday) or six with seconds first.");
            }

            return null;
        }
        catch (CronError error)
        {
            return error.Message;
        }
    }

    /// <summary>The parts between spaces that are not blank, as the runtime counts them to choose the format.</summary>
    private static int CountFields(string expression)
    {
        var count = 0;
        foreach (var part in expression.Split(' '))
        {
            if (part.Trim().Length > 0)
            {
                count++;
            }
        }

        return count;
    }

    private static void ParseBlank(ref Reader reader, Field previous)
    {
        if (!reader.IsBlank)
        {
            throw reader.AtEnd
                ? new CronError($"it ends after the {previous.Name} field; use five fields (minute hour day month weekday) or six with seconds first.")
                : new CronError($"its {previous.Name} field has an unexpected '{reader.Current}'.");
        }

        reader.SkipBlanks();
    }

    private static void ParseField(ref Reader reader, Field field)
    {
        if (reader.Accept('*') || reader.Accept('?'))
        {
            ParseStarStep(ref reader, field);
            return;
        }

        ParseValue(ref reader, field);
        ParseList(ref reader, field);
    }

    private static void ParseDayOfMonth(ref Reader reader)
    {
        if (reader.Accept('*') || reader.Accept('?'))
        {
            ParseStarStep(ref reader, DayOfMonth);
            return;
        }

        if (reader.AcceptLetter('L'))
        {
            if (reader.Accept('-'))
            {
                ParseNumber(ref reader, DayOfMonth, 0, DayOfMonth.Last - 1, "the offset after L-");
            }

            reader.AcceptLetter('W');
            return;
        }

        ParseValue(ref reader, DayOfMonth);
        if (reader.AcceptLetter('W'))
        {
            return;
        }

        ParseList(ref reader, DayOfMonth);
    }

    private static void ParseDayOfWeek(ref Reader reader)
    {
        if (reader.Accept('*') || reader.Accept('?'))
        {
            ParseStarStep(ref reader, DayOfWeek);
            return;
        }

        ParseValue(ref reader, DayOfWeek);
        if (reader.AcceptLetter('L'))
        {
            return;
        }

        if (reader.Accept('#'))
        {
            ParseNumber(ref reader, DayOfWeek, 1, 5, "the week after #");
            return;
        }

        ParseList(ref reader, DayOfWeek);
    }

    private static void ParseStarStep(ref Reader reader, Field field)
    {
        if (reader.Accept('/'))
        {
            ParseNumber(ref reader, field, 1, field.Last, "the step after /");
        }
    }

    // The first value is read: a range or step may follow it, then more items after commas.
    private static void ParseList(ref Reader reader, Field field)
    {
        ParseRange(ref reader, field);
        while (reader.Accept(','))
        {
            ParseValue(ref reader, field);
            ParseRange(ref reader, field);
        }
    }

    private static void ParseRange(ref Reader reader, Field field)
    {
        if (reader.Accept('-'))
        {
            ParseValue(ref reader, field);
        }

        if (reader.Accept('/'))
        {
            ParseNumber(ref reader, field, 1, field.Last, "the step after /");
        }
    }

    private static int ParseValue(ref Reader reader, Field field)
    {
        var value = ReadNumber(ref reader, field.Names);
        if (value < field.First || value > field.Last)
        {
            throw new CronError(field.Names is null
                ? $"its {field.Name} field needs a number from {field.First} to {field.Last}."
                : $"its {field.Name} field needs a number from {field.First} to {field.Last} or a name such as {field.Names[field.First == 0 ? 1 : field.First]}.");
        }

        return value;
    }

    private static void ParseNumber(ref Reader reader, Field field, int low, int high, string what)
    {
        var value = ReadNumber(ref reader, null);
        if (value < low || value > high)
        {
            throw new CronError($"in its {field.Name} field, {what} must be a number from {low} to {high}.");
        }
    }

    // One or two digits, or (where names are allowed) three letters naming a value; -1 otherwise.
    private static int ReadNumber(ref Reader reader, string[]? names)
    {
        if (IsDigit(reader.Current))
        {
            var number = reader.Current - '0';
            reader.Advance();
            if (!IsDigit(reader.Current))
            {
                return number;
            }

            number = (number * 10) + (reader.Current - '0');
            reader.Advance();
            return IsDigit(reader.Current) ? -1 : number;
        }

        if (names is null)
        {
            return -1;
        }

        var letters = new char[3];
        for (var index = 0; index < 3; index++)
        {
            if (!IsLetter(reader.Current))
            {
                return -1;
            }

            letters[index] = char.ToUpperInvariant(reader.Current);
            reader.Advance();
        }

        // Months have no name at 0, so their names count from 1 as their numbers do.
        return Array.IndexOf(names, new string(letters));
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static bool IsLetter(char c) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

    private sealed class Field
    {
        public Field(string name, int first, int last, string[]? names)
        {
            Name = name;
            First = first;
            Last = last;
            Names = names;
        }

        public string Name { get; }

        public int First { get; }

        public int Last { get; }

        public string[]? Names { get; }
    }

    private sealed class CronError : Exception
    {
        public CronError(string message)
            : base(message)
        {
        }
    }

    // Reads the text as Cronos reads its null-terminated buffer: '\0' past the end.
    private struct Reader
    {
        private readonly string _text;

        public Reader(string text)
        {
            _text = text;
            Position = 0;
        }

        public int Position { get; private set; }

        public char Current => Position < _text.Length ? _text[Position] : '\0';

        public bool AtEnd => Current == '\0';

        public bool IsBlank => Current is ' ' or '\t';

        public void Advance() => Position++;

        public void SkipBlanks()
        {
            while (IsBlank)
            {
                Position++;
            }
        }

        public bool Accept(char c)
        {
            if (Current != c)
            {
                return false;
            }

            Position++;
            return true;
        }

        public bool AcceptLetter(char upper)
        {
            if (char.ToUpperInvariant(Current) != upper || !IsLetter(Current))
            {
                return false;
            }

            Position++;
            return true;
        }
    }
}
