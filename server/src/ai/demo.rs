//! Demo knowledge for a made-up online coffee shop, so a fresh install answers something real.

use super::{Assistant, KnowledgeEntry};

/// An assistant and its knowledge, as compiled-in data the server can seed a database with.
#[derive(Debug, Clone, Copy)]
pub struct AssistantSeed {
    pub name: &'static str,
    pub instructions: &'static str,
    pub greeting: &'static str,
    /// `(question, answer, keywords)`.
    pub entries: &'static [(&'static str, &'static str, &'static str)],
}

impl AssistantSeed {
    /// The seed as an [`Assistant`] with the given id and no model override.
    pub fn to_assistant(&self, id: &str) -> Assistant {
        Assistant {
            id: id.to_string(),
            name: self.name.to_string(),
            instructions: self.instructions.to_string(),
            greeting: self.greeting.to_string(),
            model: None,
        }
    }

    /// The entries as [`KnowledgeEntry`] values with ids `demo-1`, `demo-2`, ...
    pub fn to_knowledge(&self) -> Vec<KnowledgeEntry> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, (question, answer, keywords))| KnowledgeEntry {
                id: format!("demo-{}", i + 1),
                question: (*question).to_string(),
                answer: (*answer).to_string(),
                keywords: (*keywords).to_string(),
            })
            .collect()
    }
}

/// Nora, the assistant of Northwind Coffee Roasters (an online specialty coffee shop).
pub fn demo_assistant() -> AssistantSeed {
    AssistantSeed {
        name: "Nora",
        instructions: INSTRUCTIONS,
        greeting: "Hi there! I'm Nora from Northwind Coffee Roasters. How can I help you today?",
        entries: ENTRIES,
    }
}

const INSTRUCTIONS: &str = "You are Nora, the friendly assistant of Northwind Coffee Roasters, \
an online specialty coffee roaster based in Portland, Oregon, that sells single-origin coffees, \
blends and subscriptions. Answer visitors' questions about orders, subscriptions, shipping, \
payments and our coffee warmly and concisely (two to four sentences, plain text). Only state \
prices, times and policies that appear in the knowledge you are given; when you are not sure, \
say so and offer to bring in a teammate. Never ask for full card numbers or passwords.";

/// The shop's policies first (ids `demo-1`..`demo-11` are stable), then the coffees on the demo
/// page (`public/index.html`) and the roastery it shows. Answers are written as sentences that
/// stand on their own, so the embedded assistant can answer with just the one that is asked for.
const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "What are your opening hours?",
        "Our support team is here Monday to Friday, 8:00 am to 6:00 pm Pacific Time (PT). On \
         weekends (Saturday and Sunday) we're here from 9:00 am to 2:00 pm PT. We're closed on \
         US public holidays. The online shop itself is open 24/7.",
        "opening hours open close closed when weekdays weekends saturday sunday holidays \
         schedule support hours",
    ),
    (
        "How much does a coffee subscription cost?",
        "We have three subscription plans. Starter is one 340 g (12 oz) bag a month for \
         $16/month. Regular is two bags a month for $29/month. Office is five 1 kg bags a month \
         for $119/month. Single bags in the shop start at $16. You can switch plans any time.",
        "price prices pricing cost costs how much plans subscription plan monthly starter \
         regular office",
    ),
    (
        "What is your refund and return policy?",
        "If you're not happy with your coffee, tell us within 30 days of delivery and we'll send \
         a replacement or give you a full refund, even if the bag is opened. Unused equipment \
         can be returned within 30 days in its original packaging. Refunds go back to your \
         original payment method within 5 business days of approval.",
        "refund refunds return returns money back unhappy damaged wrong order replacement \
         policy guarantee",
    ),
    (
        "Which countries do you ship to and how long does delivery take?",
        "We roast on Monday, Wednesday and Friday and ship within one business day of roasting. \
         We ship within the United States: 2-5 business days, $5.95, free over $40. We ship to \
         Canada: 5-8 business days, $12.95, free over $80. We ship to the European Union: 7-12 \
         business days, EUR 14.95, free over EUR 100 (local customs fees may apply). We don't ship to other countries yet.",
        "shipping ship delivery deliver countries international canada europe eu usa united \
         states how long delivery time take arrive shipping cost free shipping roast roasting \
         days",
    ),
    (
        "How can I contact you?",
        "Email us at hello@northwindcoffee.example or call +1 (503) 555-0142 during our support \
         hours. You can also write here any time and we'll get back to you.",
        "contact phone call email address reach number talk",
    ),
    (
        "Where is my order? How do I track it?",
        "As soon as your order leaves the roastery you'll get an email with a tracking link. You \
         can also see its status any time under Account > Orders. If tracking hasn't updated \
         for 3 business days, send us your order number (it starts with NW-) and we'll look \
         into it right away.",
        "where order track tracking status package parcel arrive late lost missing",
    ),
    (
        "How do I change my address?",
        "Sign in and go to Account > Addresses to update it. Subscriptions use the new address \
         from the next roast date. If a one-off order hasn't left the roastery yet, send us your \
         order number and the new address and we'll update it for you.",
        "change update edit address moved move account details",
    ),
    (
        "Do you offer wholesale for cafés and offices?",
        "Yes! Cafés, restaurants and offices can buy wholesale from 5 kg a month at 25-35% off \
         retail prices, with free US delivery and a free espresso calibration visit in the \
         Portland area. Email wholesale@northwindcoffee.example with your business name and \
         expected monthly volume and we'll reply within 2 business days.",
        "wholesale bulk cafe cafes restaurant office business trade partner volume sell supply \
         supplier discount apply application",
    ),
    (
        "How do I cancel or pause my subscription?",
        "You can pause, skip a delivery or cancel any time under Account > Subscriptions, with \
         no cancellation fee. Changes made before 11:59 pm PT the day before your next roast \
         date apply to that shipment.",
        "cancel cancellation pause skip stop subscription unsubscribe end",
    ),
    (
        "Which payment methods do you accept?",
        "We accept Visa, Mastercard, American Express, Discover, PayPal, Apple Pay and Google \
         Pay. Wholesale accounts can also pay by invoice (net 30). We don't accept cash or \
         cryptocurrency.",
        "payment pay methods card credit debit paypal apple google invoice visa mastercard \
         crypto bitcoin cash",
    ),
    (
        "Can I get my coffee ground?",
        "Every coffee comes as whole bean or ground for espresso, moka pot, pour-over/filter, \
         French press or cold brew. Pick the grind on the product page or in your subscription \
         settings. For the freshest cup we recommend whole bean.",
        "grind ground whole bean beans espresso filter pour over french press cold brew moka",
    ),
    (
        "Which coffees do you have this week?",
        "This week's roasts are Harbour Blend ($16), Ethiopia Guji ($21) and Night Ferry Decaf \
         ($18), each in a 340 g bag. Every coffee comes as whole bean or ground to order.",
        "coffees coffee roasts menu products beans sell offer available this week selection \
         range kinds options size sizes big bag grams",
    ),
    (
        "What is Harbour Blend?",
        "Harbour Blend is our everyday espresso. It tastes of milk chocolate and toasted \
         hazelnut, with a little orange peel. A 340 g bag of Harbour Blend costs $16, whole bean \
         or ground.",
        "harbour harbor blend everyday espresso house chocolate hazelnut orange coffee",
    ),
    (
        "What is Ethiopia Guji?",
        "Ethiopia Guji is a single origin from Ethiopia, made of washed heirloom varietals. It \
         tastes of jasmine, bergamot and stone fruit, and it's lovely as a pour-over. A 340 g \
         bag of Ethiopia Guji costs $21, whole bean or ground.",
        "ethiopia guji single origin heirloom washed jasmine bergamot stone fruit pour over \
         filter light fruity floral coffee",
    ),
    (
        "What is Night Ferry Decaf?",
        "Night Ferry is a Swiss Water decaf from Colombia. It tastes of brown sugar and red \
         apple, with no late-night regrets. A 340 g bag of Night Ferry costs $18, whole bean or \
         ground.",
        "night ferry decaffeinated caffeine free colombia swiss water brown sugar apple evening coffee",
    ),
    (
        "Can I visit the roastery?",
        "Our roastery is at 14 Quay Street. It's open Monday to Saturday 7:00 am to 5:00 pm and \
         Sunday 8:00 am to 2:00 pm. There's a free cupping every Saturday at 10:00 am.",
        "visit roastery address location located where quay street cupping tasting in person \
         store",
    ),
];

/// The demo workspace's billing specialist: a routing rule sends billing questions to her, so
/// the demo shows an assistant-to-assistant handoff.
pub fn demo_billing_assistant() -> AssistantSeed {
    AssistantSeed {
        name: "Bea",
        instructions: BILLING_INSTRUCTIONS,
        greeting: "Hi, I'm Bea from Northwind's billing team. How can I help with your payment?",
        entries: BILLING_ENTRIES,
    }
}

const BILLING_INSTRUCTIONS: &str = "You are Bea, the billing specialist of Northwind Coffee \
Roasters. Help customers with charges, refunds, invoices, payment methods and subscription \
billing, calmly and concisely (two to four sentences, plain text). Only state amounts, times and \
policies that appear in the knowledge you are given. Never ask for full card numbers, security \
codes or passwords; when something needs an account check, say a teammate will look into it.";

/// What specializes Bea: billing questions only (shipping, coffee and hours stay with Nora).
const BILLING_ENTRIES: &[(&str, &str, &str)] = &[
    (
        "I was charged twice for my order",
        "A second charge for the same order is usually a temporary authorization hold that your \
         bank releases within 3 to 5 business days. If both charges are still there after 5 \
         business days, we refund the duplicate within 2 business days of your message. Please \
         share your order number (never your full card number) and we'll check it.",
        "charged twice double charge duplicate charged two times billed twice extra charge \
         overcharged pending hold authorization card statement last order twice",
    ),
    (
        "When will I get my refund?",
        "Refunds go back to your original payment method within 5 business days of approval. \
         Your bank may take another 2 to 3 days to show it. We email you when the refund is \
         issued.",
        "refund when money back how long refund status returned credited",
    ),
    (
        "How do I get an invoice or receipt?",
        "Every order's receipt is emailed when it ships. You can download invoices with your \
         company name and VAT number from Account > Orders. For subscriptions, a monthly invoice \
         is emailed on each billing date.",
        "invoice receipt vat tax billing document pdf company",
    ),
    (
        "How do I update my card or payment method?",
        "Go to Account > Payment methods to add a new card or PayPal and make it the default. \
         Your next subscription charge uses the new default. We never store full card numbers \
         ourselves: payments go through our card processor.",
        "update card change card new card payment method expired card paypal default",
    ),
    (
        "Why did my payment fail?",
        "A payment can fail when the card expired, the billing address differs from the bank's, \
         or the bank declined it for security. Check those, then retry from Account > Orders; \
         for a subscription we retry automatically after 3 days and email you first.",
        "payment failed declined card declined failed charge retry billing address error",
    ),
    (
        "When is my subscription charged?",
        "Subscriptions are charged on the same day each month as your first order, at 6:00 am \
         Pacific Time. You can see and change your next billing date in Account > Subscription, \
         and skipping a month is free.",
        "subscription charged billing date when charged monthly renewal next charge skip",
    ),
];
