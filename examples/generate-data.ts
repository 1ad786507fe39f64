/**
 * Generates the small datasets shipped with the examples. Seeded: running it again writes the
 * same files. Run with `npx tsx examples/generate-data.ts` from the repository root.
 *
 * - sentiment/data: English review sentences from templates with positive/negative vocabulary,
 *   negation, contrast clauses, filler sentences, typos and a little label noise in train.
 * - tabular/data: numeric features with a nonlinear three-class rule (CSV).
 * - focal-loss/data: support tickets, about 1 in 10 urgent (an imbalanced binary task).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../src/trainer/random';

type Random = () => number;


const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// ---- sentiment ----

const SUBJECTS = ['movie', 'film', 'book', 'restaurant', 'hotel', 'phone', 'laptop', 'game', 'album', 'show', 'speaker', 'café', 'concert', 'novel', 'series'];
const ASPECTS = ['the acting', 'the plot', 'the food', 'the staff', 'the battery', 'the sound', 'the price', 'the design', 'the ending', 'the story', 'the service', 'the screen', 'the music', 'the room', 'the cast'];
const POSITIVE = ['great', 'excellent', 'wonderful', 'amazing', 'fantastic', 'superb', 'delightful', 'brilliant', 'enjoyable', 'solid', 'lovely', 'impressive', 'charming', 'outstanding', 'pleasant', 'reliable', 'fun', 'beautiful', 'good', 'perfect', 'gripping', 'cozy'];
const NEGATIVE = ['terrible', 'awful', 'boring', 'disappointing', 'dull', 'poor', 'horrible', 'bland', 'mediocre', 'frustrating', 'annoying', 'broken', 'weak', 'clumsy', 'bad', 'tedious', 'forgettable', 'overpriced', 'ugly', 'noisy', 'sloppy', 'cramped'];
const POSITIVE_PHRASES = ['I loved it', 'I would recommend it to anyone', 'worth every penny', 'I will definitely come back', 'it exceeded my expectations', 'it made my day', 'five stars from me', 'I enjoyed every minute', 'highly recommended', 'a real pleasure'];
const NEGATIVE_PHRASES = ['I hated it', 'a complete waste of money', 'I want a refund', 'never again', 'it fell apart after a week', 'I regret buying it', 'one star is too many', 'I walked out halfway', 'avoid it', 'a total letdown'];
const ADVERBS = ['', '', 'really ', 'very ', 'quite ', 'truly ', 'pretty ', 'absolutely ', 'rather ', 'so '];
const FILLERS = ['I went there with my family on Sunday.', 'We watched it last night.', 'It arrived on Tuesday.', 'My friend told me about it.', 'I tried it during the holidays.', 'This is my second review.', 'We booked it a month ago.', 'I finished it over the weekend.'];

function sentimentSentence(random: Random, positive: boolean): string {
  const [same, other] = positive ? [POSITIVE, NEGATIVE] : [NEGATIVE, POSITIVE];
  const phrases = positive ? POSITIVE_PHRASES : NEGATIVE_PHRASES;
  const subject = pick(random, SUBJECTS);
  const roll = random();
  // Negation flips the word's polarity. As in real reviews, "not good" is more common than "not bad".
  if (roll < 0.08 && (!positive || random() < 0.3)) return `The ${subject} was not ${pick(random, ADVERBS)}${pick(random, other)}.`;
  if (roll < 0.14) return `${capitalize(pick(random, ASPECTS))} was ${pick(random, other)}, but overall the ${subject} was ${pick(random, same)}.`;
  const templates = [
    () => `The ${subject} was ${pick(random, ADVERBS)}${pick(random, same)}.`,
    () => `${capitalize(pick(random, ASPECTS))} is ${pick(random, same)} and ${pick(random, ASPECTS)} is ${pick(random, same)}.`,
    () => `What a ${pick(random, same)} ${subject}!`,
    () => `${capitalize(pick(random, phrases))}.`,
    () => `Honestly, ${pick(random, ASPECTS)} felt ${pick(random, ADVERBS)}${pick(random, same)}, ${pick(random, phrases)}.`,
    () => `This ${subject} is ${pick(random, same)}. ${capitalize(pick(random, phrases))}!`,
    () => `${capitalize(subject)} review: ${pick(random, ADVERBS)}${pick(random, same)}, ${pick(random, ASPECTS)} was ${pick(random, same)}.`,
  ];
  return pick(random, templates)();
}

/** Swaps two adjacent letters in a few words, as hurried reviewers do. */
function addTypos(random: Random, text: string, rate: number): string {
  return text.replace(/[a-z]{4,}/g, (word) => {
    if (random() >= rate) return word;
    const i = 1 + Math.floor(random() * (word.length - 2));
    return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  });
}

function sentimentRows(random: Random, count: number, labelNoise: number): string[] {
  return Array.from({ length: count }, () => {
    const positive = random() < 0.5;
    let text = sentimentSentence(random, positive);
    if (random() < 0.35) text = random() < 0.5 ? `${pick(random, FILLERS)} ${text}` : `${text} ${pick(random, FILLERS)}`;
    text = addTypos(random, text, 0.03);
    const flipped = random() < labelNoise ? !positive : positive;
    return JSON.stringify({ text, label: flipped ? 'positive' : 'negative' });
  });
}

// ---- tabular ----

/** Three classes from a nonlinear rule over x1..x3; x4 is pure noise the model must learn to ignore. */
function tabularRows(random: Random, count: number): string[] {
  const rows = ['x1,x2,x3,x4,label'];
  const uniform = (low: number, high: number) => low + (high - low) * random();
  for (let i = 0; i < count; i++) {
    const [x1, x2, x3, x4] = [uniform(-2, 2), uniform(-2, 2), uniform(-1, 1), uniform(0, 10)];
    const label = x1 * x1 + x2 * x2 < 1.4 ? 'inner' : x3 > Math.sin(2 * x1) * 0.6 ? 'upper' : 'lower';
    rows.push([x1, x2, x3, x4].map((v) => v.toFixed(3)).join(',') + `,${label}`);
  }
  return rows;
}

// ---- imbalanced support tickets ----

const URGENT = [
  'The {thing} is down and nobody can {act}.',
  'URGENT: {thing} outage, customers cannot {act}!',
  'Production {thing} crashed again, we are losing orders.',
  'Security alert: someone accessed the {thing} without permission.',
  'Our {thing} stopped working an hour ago, please help immediately.',
  'Data loss after the update, the {thing} deleted our records.',
  'Payments are failing on the {thing}, this is critical.',
  // Urgent without the alarm words: the model has to read the situation.
  'Customers say they cannot {act} on the {thing} right now.',
  'We cannot {act}, please look at the {thing} today.',
  'Everyone is locked out of the {thing}.',
];
const ROUTINE = [
  'How do I change the {thing} settings?',
  'Could you add a dark mode to the {thing}?',
  'Thanks for the quick fix on the {thing} last week.',
  'Where can I find the invoice for the {thing}?',
  'Is there a way to export data from the {thing}?',
  'The {thing} could load a bit faster, no rush.',
  'Please update my billing address for the {thing}.',
  'I would like to {act} more easily in the {thing}.',
  'Small typo on the {thing} page.',
  // Routine despite alarming words.
  'The {thing} was down yesterday but it works now, thanks.',
  'Last month the {thing} crashed once, is that fixed?',
  'Not urgent: the {thing} shows an old logo.',
  'No rush, but the payments report looks odd on the {thing}.',
  'Can we {act} on the {thing} with a security key?',
];
const THINGS = ['website', 'app', 'server', 'dashboard', 'checkout', 'login page', 'database', 'API', 'mobile app', 'portal'];
const ACTIONS = ['log in', 'pay', 'upload files', 'check out', 'sign up', 'see reports'];
const GREETINGS = ['', '', 'Hi team. ', 'Hello. ', 'Good morning. ', 'Hey support! '];
/** Context shared by both classes, so the deciding sentence is a small part of each ticket. */
const CONTEXT = [
  'We use the {thing} every day.',
  'Our account is on the business plan.',
  'I am writing on behalf of the sales team.',
  'This started after the update on Monday.',
  'We have about fifty users.',
  'I already cleared the cache.',
  'Ticket from the Berlin office.',
  'We switched to your service last year.',
  'Screenshots are attached.',
  'My manager asked me to report this.',
];

function ticketRows(random: Random, count: number, labelNoise: number): string[] {
  return Array.from({ length: count }, () => {
    const urgent = random() < 0.1;
    const template = pick(random, urgent ? URGENT : ROUTINE);
    const fill = (sentence: string) => sentence.replace('{thing}', pick(random, THINGS)).replace('{act}', pick(random, ACTIONS));
    const context = Array.from({ length: 1 + Math.floor(random() * 3) }, () => fill(pick(random, CONTEXT)));
    context.splice(Math.floor(random() * (context.length + 1)), 0, fill(template));
    const text = pick(random, GREETINGS) + context.join(' ');
    const labelledUrgent = random() < labelNoise ? !urgent : urgent;
    return JSON.stringify({ text: addTypos(random, text, 0.08), label: labelledUrgent ? 'urgent' : 'routine' });
  });
}

function write(path: string, lines: string[]): void {
  const full = join(import.meta.dirname, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, lines.join('\n') + '\n');
  console.log(`wrote ${path} (${lines.length} lines)`);
}

write('sentiment/data/train.jsonl', sentimentRows(mulberry32(1), 2000, 0.02));
write('sentiment/data/valid.jsonl', sentimentRows(mulberry32(2), 400, 0));
write('tabular/data/train.csv', tabularRows(mulberry32(3), 1500));
write('tabular/data/valid.csv', tabularRows(mulberry32(4), 300));
write('focal-loss/data/train.jsonl', ticketRows(mulberry32(5), 1500, 0.03));
write('focal-loss/data/valid.jsonl', ticketRows(mulberry32(6), 300, 0));
