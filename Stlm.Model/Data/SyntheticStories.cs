using System.Text;

namespace Stlm.Model.Data;

/// <summary>
/// Simple English stories in the spirit of TinyStories, from a small seeded grammar: a few
/// hundred words, a cast of children and animals, places, things, troubles and their fixes,
/// feelings and morals, told through a handful of story shapes with varied sentences. The
/// pronouns, names and things stay consistent within a story, so a small model has real
/// structure to learn. The same seed always gives the same text; nothing is downloaded.
/// Stories are separated by "&lt;|endoftext|&gt;" lines, the TinyStories file format.
/// </summary>
public static class SyntheticStories
{
    public const string Separator = "<|endoftext|>";

    /// <summary>About <paramref name="megabytes"/> MB (10^6 bytes) of stories, ending with a whole story.</summary>
    public static string Generate(ulong seed, double megabytes)
    {
        var writer = new StringWriter();
        Write(writer, seed, (long)(megabytes * 1_000_000));
        return writer.ToString();
    }

    /// <summary>Writes stories until at least <paramref name="bytes"/> bytes are out; returns how many stories.</summary>
    public static long Write(TextWriter writer, ulong seed, long bytes)
    {
        long written = 0, count = 0;
        foreach (var story in Stories(seed))
        {
            if (written >= bytes) break;
            writer.Write(story);
            writer.Write('\n');
            writer.Write(Separator);
            writer.Write('\n');
            written += story.Length + Separator.Length + 2; // the grammar is ASCII: chars are bytes
            count++;
        }
        return count;
    }

    /// <summary>Writes about <paramref name="bytes"/> bytes of stories to <paramref name="path"/>, atomically; returns how many stories.</summary>
    public static long WriteFile(string path, ulong seed, long bytes)
    {
        var temp = AtomicFile.TempPathFor(path);
        long stories;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new StreamWriter(stream))
        {
            stories = Write(writer, seed, bytes);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        AtomicFile.Commit(temp, path);
        return stories;
    }

    /// <summary>An endless sequence of stories; story i depends only on (seed, i).</summary>
    public static IEnumerable<string> Stories(ulong seed)
    {
        for (ulong i = 0; ; i++)
        {
            var rng = new Rng(SplitMix64.Mix(seed ^ SplitMix64.Mix(i + 1)));
            yield return Tell(ref rng);
        }
    }

    // ---- the cast and the world ----------------------------------------------------------

    sealed record Being(string Name, string Kind, bool IsGirl, string Trait)
    {
        public string He => IsGirl ? "she" : "he";
        public string Him => IsGirl ? "her" : "him";
        public string His => IsGirl ? "her" : "his";
        public string Intro => $"a {Trait} {Kind} named {Name}";
    }

    static readonly string[] GirlNames = ["Lily", "Mia", "Sue", "Anna", "Lucy", "Emma", "Zoe", "Ella", "Amy", "Rosa", "Kim", "Sara", "Jane", "Molly", "Daisy"];
    static readonly string[] BoyNames = ["Tom", "Ben", "Max", "Sam", "Jack", "Tim", "Leo", "Bob", "Dan", "Jake", "Finn", "Noah", "Ollie", "Pete", "Timmy"];
    static readonly string[] ChildKinds = ["little girl", "little boy"];
    static readonly string[] AnimalKinds = ["dog", "cat", "bunny", "bird", "bear", "frog", "duck", "mouse", "fox", "puppy", "kitten", "squirrel"];
    static readonly string[] Traits = ["kind", "curious", "shy", "brave", "happy", "playful", "friendly", "silly", "gentle", "clever", "little", "small"];
    static readonly string[] Grownups = ["mom", "dad", "grandma", "grandpa"];
    static readonly string[] Places = ["the park", "the forest", "the garden", "the beach", "the farm", "the lake", "the meadow", "the hill", "the river", "the playground", "the big field", "the zoo"];
    static readonly string[] Homes = ["in a small house", "in a big house", "in a cozy house", "in a little town", "in a house by the sea", "on a farm", "near the woods"];
    static readonly string[] Colors = ["red", "blue", "yellow", "green", "pink", "purple", "orange", "white"];
    static readonly string[] Looks = ["shiny", "soft", "little", "big", "pretty", "old", "new", "funny", "round", "sparkly"];
    static readonly string[] Things = ["ball", "kite", "teddy bear", "toy car", "balloon", "book", "hat", "drum", "shell", "box", "boat", "crayon", "blanket", "cup", "rock", "flower", "bell", "scarf"];
    static readonly string[] Foods = ["cookie", "apple", "cake", "sandwich", "banana", "pie", "carrot", "candy"];
    static readonly string[] Games = ["tag", "hide and seek", "catch", "house", "pretend", "jump rope"];
    static readonly string[] Weather = ["the sun was shining", "the sky was blue", "it was a warm day", "the wind was soft", "the birds were singing"];
    static readonly string[] Fears = ["the dark", "the loud thunder", "the big dog next door", "the deep water", "the tall slide", "the noise in the night"];

    sealed record Trouble(string What, string Fix, string HelperFix);

    static readonly Trouble[] Troubles =
    [
        new("got stuck in a tall tree", "climbed up slowly and got it down", "found a long stick and pushed it down"),
        new("fell into the water", "reached out with a net", "held a long branch and pulled it out"),
        new("flew away with the wind", "ran very fast after it", "ran and jumped and caught it"),
        new("broke into two pieces", "fixed it with some glue", "helped fix it with tape and glue"),
        new("was lost in the tall grass", "looked and looked until it was found", "looked under every bush and found it"),
        new("rolled under a big rock", "pushed the rock as hard as {he} could", "pushed the rock away with a big stick"),
        new("got very dirty in the mud", "washed it with soap and water", "helped wash it until it was clean"),
    ];

    static readonly string[] Morals =
    [
        "sharing makes everyone happy", "it is good to help your friends", "you should never give up",
        "it is important to be careful", "saying sorry can fix a lot", "being brave feels good",
        "friends make everything better", "it is nice to be kind",
    ];

    // ---- story shapes ----------------------------------------------------------------------

    static string Tell(ref Rng rng) => rng.Next(6) switch
    {
        0 => LostThing(ref rng),
        1 => DayOut(ref rng),
        2 => Quarrel(ref rng),
        3 => Fear(ref rng),
        4 => Rescue(ref rng),
        _ => Baking(ref rng),
    };

    static string LostThing(ref Rng rng)
    {
        var hero = NewBeing(ref rng, null);
        var friend = NewBeing(ref rng, hero.Name);
        var thing = Thing(ref rng);
        var trouble = rng.Pick(Troubles);
        var place = rng.Pick(Places);
        var s = new Story();
        s.Add(Opening(ref rng, hero));
        s.Add(rng.Pick([$"{Cap(hero.He)} had {A(thing)} {thing} that {hero.He} loved very much.", $"{hero.Name} loved {hero.His} {thing} more than anything.", $"One day, {hero.Name} found {A(thing)} {thing} in {place}."]));
        s.Add(rng.Pick([$"Every day, {hero.Name} took the {Noun(thing)} to {place} to play.", $"{Cap(hero.He)} played with it in {place} every morning."]));
        s.Add(rng.Pick([$"But one day, the {Noun(thing)} {trouble.What}.", $"Then something bad happened. The {Noun(thing)} {trouble.What}!"]));
        s.Add(rng.Pick([$"{hero.Name} was very {rng.Pick(["sad", "worried", "upset"])}.", $"{hero.Name} felt sad and began to cry."]));
        if (rng.Chance(0.5))
        {
            s.Add($"Just then, {friend.Intro} came by. \"Why are you sad?\" asked {friend.Name}.");
            s.Add($"\"My {Noun(thing)} {trouble.What},\" said {hero.Name}.");
            s.Add($"\"Do not worry, I will help you,\" said {friend.Name}. {Cap(friend.He)} {Fill(trouble.HelperFix, friend)}.");
            s.Add($"{hero.Name} was so happy. \"Thank you, {friend.Name}!\" {hero.He} said.");
            s.Add(rng.Pick([$"From that day on, {hero.Name} and {friend.Name} were best friends.", $"They played with the {Noun(thing)} together until the sun went down."]));
        }
        else
        {
            s.Add($"But {hero.Name} did not give up. {Cap(hero.He)} {Fill(trouble.Fix, hero)}.");
            s.Add($"{hero.Name} felt {rng.Pick(["proud", "happy", "glad"])}. {Cap(hero.He)} hugged {hero.His} {Noun(thing)} tight.");
        }
        s.Add(Moral(ref rng, hero));
        return s.ToString();
    }

    static string DayOut(ref Rng rng)
    {
        var hero = NewBeing(ref rng, null);
        var grownup = rng.Pick(Grownups);
        var place = rng.Pick(Places);
        var food = rng.Pick(Foods);
        var s = new Story();
        s.Add(Opening(ref rng, hero));
        s.Add($"One {rng.Pick(["sunny", "bright", "warm", "cool"])} morning, {hero.His} {grownup} said, \"Let's go to {place}!\"");
        s.Add($"{hero.Name} was very {rng.Pick(["excited", "happy"])}. {Cap(hero.He)} put on {hero.His} {rng.Pick(Colors)} {rng.Pick(["hat", "shoes", "coat", "scarf"])}.");
        s.Add($"At {place}, {rng.Pick(Weather)}. {hero.Name} saw {Described(ref rng, Looks, AnimalKinds)} and waved at it.");
        if (rng.Chance(0.5))
        {
            s.Add($"Then dark clouds came and it began to rain. {hero.Name} and {hero.His} {grownup} ran under a big tree.");
            s.Add($"They sat together and ate {A(food)} {food}. Soon the rain stopped and they saw a rainbow.");
            s.Add($"\"Look, {grownup}! It is so pretty!\" said {hero.Name}.");
        }
        else
        {
            s.Add($"{hero.Name} played {rng.Pick(Games)} with some other kids. They laughed and ran all day.");
            s.Add($"When {hero.Name} got hungry, {hero.His} {grownup} gave {hero.Him} {A(food)} {food}. It was yummy!");
        }
        s.Add($"When it was time to go home, {hero.Name} was tired but happy. {Cap(hero.He)} said, \"This was the best day ever!\"");
        return s.ToString();
    }

    static string Quarrel(ref Rng rng)
    {
        var hero = NewBeing(ref rng, null);
        var friend = NewBeing(ref rng, hero.Name);
        var thing = Thing(ref rng);
        var place = rng.Pick(Places);
        var s = new Story();
        s.Add($"{Cap(Opening(ref rng, hero))}");
        s.Add($"{hero.Name} had a friend, {friend.Intro}. They liked to play in {place}.");
        s.Add($"One day, they both wanted to play with the same {thing}.");
        s.Add($"\"It is mine!\" said {hero.Name}. \"No, it is mine!\" said {friend.Name}.");
        s.Add($"They pulled and pulled, and the {Noun(thing)} {rng.Pick(["fell on the ground", "broke", "rolled away"])}.");
        s.Add($"{hero.Name} and {friend.Name} were both {rng.Pick(["sad", "angry", "upset"])}. Nobody could play now.");
        s.Add($"Then {hero.Name} said, \"I am sorry, {friend.Name}. Let's share.\"");
        s.Add($"{friend.Name} smiled. \"I am sorry too,\" {friend.He} said. They took turns with the {Noun(thing)}.");
        s.Add($"They had more fun playing together than playing alone.");
        s.Add(Moral(ref rng, hero));
        return s.ToString();
    }

    static string Fear(ref Rng rng)
    {
        var hero = NewBeing(ref rng, null);
        var grownup = rng.Pick(Grownups);
        var fear = rng.Pick(Fears);
        var s = new Story();
        s.Add(Opening(ref rng, hero));
        s.Add($"{hero.Name} was scared of {fear}. When {hero.He} thought about it, {hero.He} wanted to hide.");
        s.Add($"One {rng.Pick(["night", "day", "evening"])}, {hero.Name} had to face {fear}. {Cap(hero.His)} legs were shaking.");
        s.Add($"{Cap(hero.His)} {grownup} held {hero.His} hand and said, \"You are braver than you think.\"");
        s.Add($"{hero.Name} took a deep breath. {Cap(hero.He)} {rng.Pick(["counted to three", "closed " + hero.His + " eyes", "sang a little song"])} and went ahead.");
        s.Add($"It was not so bad after all! {hero.Name} felt {rng.Pick(["proud", "brave", "happy"])}.");
        s.Add($"After that day, {hero.Name} was not scared of {fear} anymore.");
        s.Add(Moral(ref rng, hero));
        return s.ToString();
    }

    static string Rescue(ref Rng rng)
    {
        var hero = NewBeing(ref rng, null);
        var animal = rng.Pick(["bird", "puppy", "kitten", "duck", "bunny", "frog"]);
        var place = rng.Pick(Places);
        var s = new Story();
        s.Add(Opening(ref rng, hero));
        s.Add($"One {rng.Pick(["cold", "windy", "quiet", "rainy"])} {rng.Pick(["morning", "afternoon", "evening"])}, {hero.Name} went to {place}.");
        s.Add($"There {hero.He} heard a small sound. It was a little {animal}, and it was {rng.Pick(["lost", "hurt", "cold", "hungry"])}.");
        s.Add(rng.Pick([$"\"Poor little {animal},\" said {hero.Name}. \"I will help you.\"", $"{hero.Name} felt sorry for the {animal}. {Cap(hero.He)} wanted to help."]));
        s.Add($"{Cap(hero.He)} {rng.Pick(["wrapped it in a warm blanket", "gave it some water", "shared " + hero.His + " " + rng.Pick(Foods) + " with it", "held it very gently"])}.");
        s.Add(rng.Pick([$"Then {hero.He} looked for the {animal}'s family. At last, {hero.He} found them near a big tree.", $"Soon the {animal}'s mother came running. She was so glad to see her baby."]));
        s.Add($"The little {animal} {rng.Pick(["jumped", "danced", "wiggled"])} with joy. {hero.Name} waved goodbye.");
        s.Add($"{hero.Name} went home with a big smile. Helping made {hero.Him} feel {rng.Pick(["warm inside", "happy", "proud"])}.");
        s.Add(Moral(ref rng, hero));
        return s.ToString();
    }

    static string Baking(ref Rng rng)
    {
        var hero = NewBeing(ref rng, null);
        var grownup = rng.Pick(Grownups);
        var treat = rng.Pick(["cake", "cookies", "pie", "bread", "muffins"]);
        var (it, was) = treat.EndsWith('s') ? ("they", "were") : ("it", "was");
        var s = new Story();
        s.Add(Opening(ref rng, hero));
        s.Add($"One day, {hero.Name} and {hero.His} {grownup} wanted to make {treat}.");
        var (dry, wet) = (rng.Pick(["flour", "sugar", "oats"]), rng.Pick(["milk", "honey", "butter", "berries"]));
        s.Add($"They got some {dry}, some {wet} and a big bowl.");
        s.Add($"{hero.Name} helped to mix everything. {Cap(hero.He)} stirred and stirred.");
        if (rng.Chance(0.5))
        {
            s.Add($"Oops! {hero.Name} spilled the {(rng.Chance(0.5) ? dry : wet)} on the floor. {Cap(hero.He)} felt bad.");
            s.Add($"\"It is okay,\" said {hero.His} {grownup}. \"We can clean it up together.\" And they did.");
        }
        s.Add($"They put the {treat} in the oven. Soon the house smelled {rng.Pick(["so good", "sweet", "yummy"])}.");
        s.Add($"When the {treat} {was} ready, {hero.Name} shared some with {rng.Pick(["a friend", "the neighbors", hero.His + " little sister", hero.His + " big brother"])}.");
        s.Add($"Everyone said {it} {was} the best {treat} ever. {hero.Name} was very proud.");
        s.Add(Moral(ref rng, hero));
        return s.ToString();
    }

    // ---- pieces of sentences ---------------------------------------------------------------

    static Being NewBeing(ref Rng rng, string? notNamed)
    {
        var isGirl = rng.Chance(0.5);
        string name;
        do name = rng.Pick(isGirl ? GirlNames : BoyNames); while (name == notNamed);
        var kind = rng.Chance(0.6) ? ChildKinds[isGirl ? 0 : 1] : rng.Pick(AnimalKinds);
        var trait = rng.Pick(Traits);
        if (kind.StartsWith("little") && trait is "little" or "small") trait = "happy";
        return new Being(name, kind, isGirl, trait);
    }

    static string Opening(ref Rng rng, Being hero) => rng.Next(3) switch
    {
        0 => $"Once upon a time, there was {hero.Intro}. {Cap(hero.He)} lived {rng.Pick(Homes)}.",
        1 => $"Once there was {hero.Intro} who lived {rng.Pick(Homes)}.",
        _ => $"{hero.Name} was {A(hero.Trait)} {hero.Trait} {hero.Kind}. {Cap(hero.He)} liked to {rng.Pick(["play outside", "sing songs", "read books", "run and jump", "look at the sky"])}.",
    };

    static string Moral(ref Rng rng, Being hero) => rng.Next(2) == 0
        ? $"{hero.Name} learned that {rng.Pick(Morals)}."
        : $"The end.";

    static string Thing(ref Rng rng) => rng.Next(3) switch
    {
        0 => $"{rng.Pick(Colors)} {rng.Pick(Things)}",
        1 => $"{rng.Pick(Looks)} {rng.Pick(Things)}",
        _ => rng.Pick(Things),
    };

    /// <summary>The last word(s) of a described thing: "shiny red ball" → "ball" (the thing's noun).</summary>
    static string Noun(string thing)
    {
        foreach (var t in Things) if (thing.EndsWith(t)) return t;
        return thing;
    }

    static string Described(ref Rng rng, string[] adjectives, string[] nouns)
    {
        var phrase = $"{rng.Pick(adjectives)} {rng.Pick(nouns)}";
        return $"{A(phrase)} {phrase}";
    }

    static string Fill(string phrase, Being who) => phrase.Replace("{he}", who.He).Replace("{his}", who.His);

    static string A(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    sealed class Story
    {
        readonly StringBuilder text = new();
        public void Add(string sentence) => text.Append(text.Length == 0 ? "" : " ").Append(sentence);
        public override string ToString() => text.ToString();
    }

    /// <summary>A small deterministic generator (SplitMix64): the same on every platform and .NET version.</summary>
    struct Rng(ulong state)
    {
        ulong state = state;
        public int Next(int n) => (int)((SplitMix64.Next(ref state) >> 33) % (ulong)n);
        public bool Chance(double p) => (SplitMix64.Next(ref state) >> 11) * (1.0 / (1UL << 53)) < p;
        public T Pick<T>(T[] items) => items[Next(items.Length)];
    }
}
