import * as tf from '@tensorflow/tfjs-core';
import { geometryForInput, resolveConfig } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { Sgd, selectBackend, trainStep, trainableFromLayersModel } from '../dist/index.js';
const n=64;
await selectBackend('wasm');
const cn86 = process.env.MODEL==='cn86';
const config = cn86 ? resolveConfig({ stages: [14,14,14], growth: [8,16,32], inputSize: 32, inputChannels: 3, numClasses: 10 })
 : resolveConfig({ stages: [2, 2, 2], growth: [16, 32, 64], ...geometryForInput(28, 3, 2), inputSize: 28, inputChannels: 1, numClasses: 10 });
const S = cn86 ? [n,32,32,3] : [n,28,28,1];
const model = trainableFromLayersModel(buildCondenseNet(config,{seed:1}));
const sgd = new Sgd();
const size=S.reduce((a,b)=>a*b,1);
const batch = { images: Float32Array.from({ length: size }, () => Math.random()), labels: Int32Array.from({ length: n }, (_, i) => i % 10), shape: S };
const single = async () => { const images = tf.tensor4d(batch.images, batch.shape); const labels = tf.tensor1d(batch.labels, 'int32'); await trainStep(model, sgd, { images, labels, learningRate: 0.01, groupLassoLambda: 1e-5 }); tf.dispose([images, labels]); };
await model.setProgress(0.05);
await single();
const shared = tf.getKernel('Identity','wasm');
const be=tf.backend();
const stock = {...shared, kernelFunc:({inputs,backend})=>{ const x=inputs.x; const out=backend.makeOutput(x.shape,x.dtype); backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x)); return out; }};
const use=(k)=>{tf.unregisterKernel('Identity','wasm'); tf.registerKernel(k);};
const T={own:[],stock:[]};
const rounds=Number(process.env.ROUNDS??6), burst=cn86?2:4;
for (let r=0;r<=rounds;r++) for (const [name,k] of [['own',shared],['stock',stock]]) { use(k); for (let i=0;i<burst;i++){const t=performance.now(); await single(); if(r>0&&i>0) T[name].push(performance.now()-t);} }
const med=(a)=>{const s=a.slice().sort((x,y)=>x-y);return s[s.length>>1];};
console.log(JSON.stringify(T));console.log(JSON.stringify({model:cn86?'cn86':'quick', own:med(T.own).toFixed(1), stock:med(T.stock).toFixed(1), ratio:(med(T.stock)/med(T.own)).toFixed(3), tensors: tf.memory().numTensors}));
