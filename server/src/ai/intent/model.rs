//! The embedded intent classifier: multinomial logistic regression over tf-idf weighted word,
//! bigram and character n-gram features, trained by accelerated gradient descent on the
//! workspace's example phrases. Deterministic: the same examples give the same model.

use std::collections::HashMap;

use super::features::{extract, Family};
use super::{Classification, Intent, IntentError};

/// L2 penalty. Smaller fits the examples harder (an admin's intent with 8 examples needs that)
/// and gives more extreme probabilities; larger blurs every answer towards the class prior.
const L2: f32 = 0.0002;
/// Gradient steps. The loss is smooth and strongly convex, so a fixed budget gets close enough
/// to the optimum that more steps no longer change the answers.
const STEPS: usize = 250;
/// 1 / (the loss's smoothness bound): the softmax Hessian is at most 1/2 and a unit-length input
/// plus the bias's constant 1 has squared length 2, so the bound is 1 (plus the tiny `L2`).
const STEP_SIZE: f32 = 1.0;

/// A sparse, unit-length feature vector: (feature index, value), indices ascending.
type Vector = Vec<(u32, f32)>;

/// A trained intent model. Cheap to share once built; train a new one when examples change.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The intents the model can answer, in the order of `weights`' rows.
    keys: Vec<String>,
    /// Hashed feature → column; features never seen in training are ignored.
    vocabulary: HashMap<u64, u32>,
    family: Vec<Family>,
    idf: Vec<f32>,
    /// One row of `vocabulary.len()` weights per intent.
    weights: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

impl Classifier {
    /// Learns the intents from their examples. Intents without examples are left out (the model
    /// never answers them); keys must be valid and distinct, and some intent needs an example.
    pub fn train(intents: &[Intent]) -> Result<Self, IntentError> {
        let mut seen = std::collections::HashSet::new();
        for intent in intents {
            super::check_key(&intent.key)?;
            if !seen.insert(intent.key.as_str()) {
                return Err(IntentError::DuplicateKey(intent.key.clone()));
            }
        }
        let taught: Vec<&Intent> = intents
            .iter()
            .filter(|i| i.examples.iter().any(|e| !e.trim().is_empty()))
            .collect();
        if taught.is_empty() {
            return Err(IntentError::NoExamples);
        }

        let mut vocabulary = HashMap::new();
        let mut family = Vec::new();
        let mut documents: Vec<(usize, Vec<u32>)> = Vec::new();
        for (class, intent) in taught.iter().enumerate() {
            for example in intent.examples.iter().filter(|e| !e.trim().is_empty()) {
                let mut columns: Vec<u32> = extract(example)
                    .into_iter()
                    .map(|(fam, id)| {
                        *vocabulary.entry(id).or_insert_with(|| {
                            family.push(fam);
                            (family.len() - 1) as u32
                        })
                    })
                    .collect();
                columns.sort_unstable();
                columns.dedup();
                documents.push((class, columns));
            }
        }

        let mut df = vec![0u32; family.len()];
        for (_, columns) in &documents {
            for &c in columns {
                df[c as usize] += 1;
            }
        }
        let n = documents.len() as f32;
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();

        let mut model = Self {
            keys: taught.iter().map(|i| i.key.clone()).collect(),
            vocabulary,
            family,
            idf,
            weights: Vec::new(),
            bias: Vec::new(),
        };
        let samples: Vec<(usize, Vector)> = documents
            .into_iter()
            .map(|(class, columns)| (class, model.weigh(columns)))
            .collect();
        let (weights, bias) = fit(&samples, model.keys.len(), model.family.len());
        model.weights = weights;
        model.bias = bias;
        Ok(model)
    }

    /// The most probable intent of `text` and its probability.
    pub fn classify(&self, text: &str) -> Classification {
        let ranked = self.rank(text);
        let (intent, confidence) = ranked.into_iter().next().expect("a trained class");
        Classification { intent, confidence }
    }

    /// Every intent the model knows with its probability, most probable first (ties by key).
    pub fn rank(&self, text: &str) -> Vec<(String, f32)> {
        let x = self.vectorise(text);
        let mut p = scores(&self.weights, &self.bias, &x);
        softmax_in_place(&mut p);
        let mut ranked: Vec<(String, f32)> = self.keys.iter().cloned().zip(p).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked
    }

    /// The intent keys the model can answer, in training order.
    pub fn intents(&self) -> &[String] {
        &self.keys
    }

    fn vectorise(&self, text: &str) -> Vector {
        let mut columns: Vec<u32> = extract(text)
            .into_iter()
            .filter_map(|(_, id)| self.vocabulary.get(&id).copied())
            .collect();
        columns.sort_unstable();
        columns.dedup();
        self.weigh(columns)
    }

    /// Presence × idf, each family scaled to unit length and then by its weight, and the whole
    /// to unit length (which keeps `STEP_SIZE` valid).
    fn weigh(&self, columns: Vec<u32>) -> Vector {
        let mut vector: Vector = columns
            .into_iter()
            .map(|c| (c, self.idf[c as usize]))
            .collect();
        for fam in Family::ALL {
            let norm = vector
                .iter()
                .filter(|(c, _)| self.family[*c as usize] == fam)
                .map(|(_, v)| v * v)
                .sum::<f32>()
                .sqrt();
            if norm > 0.0 {
                for (c, v) in vector.iter_mut() {
                    if self.family[*c as usize] == fam {
                        *v *= fam.weight() / norm;
                    }
                }
            }
        }
        let norm = vector.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, v) in vector.iter_mut() {
                *v /= norm;
            }
        }
        vector
    }
}

fn scores(weights: &[Vec<f32>], bias: &[f32], x: &Vector) -> Vec<f32> {
    weights
        .iter()
        .zip(bias)
        .map(|(row, b)| b + x.iter().map(|&(c, v)| row[c as usize] * v).sum::<f32>())
        .collect()
}

/// Minimises the class-balanced mean cross-entropy plus `L2`/2·‖W‖² (bias unpenalised) with
/// Nesterov's accelerated gradient (FISTA momentum). Balancing gives an intent with 8 examples
/// the same pull as one with 30, so an admin's new intent is not drowned by the defaults.
/// Weights are trained in one flat `classes × dims` array and split into rows at the end.
fn fit(samples: &[(usize, Vector)], classes: usize, dims: usize) -> (Vec<Vec<f32>>, Vec<f32>) {
    let mut per_class = vec![0usize; classes];
    for (class, _) in samples {
        per_class[*class] += 1;
    }
    // Each class carries 1/classes of the loss, shared among its examples.
    let sample_weight: Vec<f32> = per_class
        .iter()
        .map(|&n| 1.0 / (classes as f32 * n.max(1) as f32))
        .collect();

    let size = classes * dims;
    let mut w = vec![0.0f32; size];
    let mut b = vec![0.0f32; classes];
    // The look-ahead point where the gradient is taken.
    let mut look_w = w.clone();
    let mut look_b = b.clone();
    let mut grad_w = vec![0.0f32; size];
    let mut grad_b = vec![0.0f32; classes];
    let mut p = vec![0.0f32; classes];
    let mut t_prev = 1.0f32;

    for _ in 0..STEPS {
        for (g, wj) in grad_w.iter_mut().zip(&look_w) {
            *g = L2 * wj;
        }
        grad_b.fill(0.0);
        for (class, x) in samples {
            for (k, pk) in p.iter_mut().enumerate() {
                let row = &look_w[k * dims..(k + 1) * dims];
                *pk = look_b[k] + x.iter().map(|&(c, v)| row[c as usize] * v).sum::<f32>();
            }
            softmax_in_place(&mut p);
            let weight = sample_weight[*class];
            for (k, pk) in p.iter().enumerate() {
                let residual = weight * (pk - if k == *class { 1.0 } else { 0.0 });
                grad_b[k] += residual;
                let row = &mut grad_w[k * dims..(k + 1) * dims];
                for &(c, v) in x {
                    row[c as usize] += residual * v;
                }
            }
        }
        let t = (1.0 + (1.0 + 4.0 * t_prev * t_prev).sqrt()) / 2.0;
        let momentum = (t_prev - 1.0) / t;
        t_prev = t;
        // w ← look − step·grad; look ← w + momentum·(w − w_before).
        for ((wj, lj), gj) in w.iter_mut().zip(look_w.iter_mut()).zip(&grad_w) {
            let next = *lj - STEP_SIZE * gj;
            *lj = next + momentum * (next - *wj);
            *wj = next;
        }
        for ((bk, lk), gk) in b.iter_mut().zip(look_b.iter_mut()).zip(&grad_b) {
            let next = *lk - STEP_SIZE * gk;
            *lk = next + momentum * (next - *bk);
            *bk = next;
        }
    }
    let rows = if dims == 0 {
        vec![Vec::new(); classes]
    } else {
        w.chunks(dims).map(<[f32]>::to_vec).collect()
    };
    (rows, b)
}

fn softmax_in_place(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    for s in scores.iter_mut() {
        *s /= sum;
    }
}
